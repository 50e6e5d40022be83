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
}
