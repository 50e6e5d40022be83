using Akd.Core.Builders;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Builders;

public sealed class SourceCompilerTests
{
    [Fact]
    public void ToolVersionsTools_CommentsBlankLinesAndFallbacks_ListsEachToolOnce()
    {
        // Arrange
        using var dir = new TempDirectory();
        dir.WriteFile(".tool-versions", "# pinned for prod\nerlang 25.3 24.3.4\n\nelixir\t1.14.5-otp-25  # comment\nnodejs\n");

        // Act
        var tools = AsdfToolchain.ToolVersionsTools(dir.Path);

        // Assert: "nodejs" has no version and is not a pin.
        Assert.Equal(["erlang", "elixir"], tools);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("%{}\n", false)]
    [InlineData("%{\n  \"jason\": {:hex, :jason, \"1.4.1\", \"abc\", [:mix], [], \"hexpm\", \"def\"},\n}\n", true)]
    [InlineData("%{\n  \"dep\": {:git, \"https://example.org/dep.git\", \"abc\", []},\n}\n", false)]
    public void UsesHex_MixLock_TrueOnlyForHexPackages(string? mixLock, bool expected)
    {
        // Arrange
        using var dir = new TempDirectory();
        if (mixLock is not null)
        {
            dir.WriteFile("mix.lock", mixLock);
        }

        // Act
        var usesHex = SourceCompiler.UsesHex(dir.Path);

        // Assert
        Assert.Equal(expected, usesHex);
    }
}
