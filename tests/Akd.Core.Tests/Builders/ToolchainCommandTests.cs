using Akd.Core.Builders;
using Akd.Core.Manifest;

namespace Akd.Core.Tests.Builders;

public sealed class ToolchainCommandTests
{
    [Fact]
    public void Resolve_AsdfAndMix_RunsThroughAsdfExec()
    {
        // Act
        var command = ToolchainCommand.Resolve(Toolchain.Asdf, ["mix", "run", "--no-halt"]);

        // Assert
        Assert.Equal(["asdf", "exec", "mix", "run", "--no-halt"], command);
    }

    [Theory]
    [InlineData("bin/hello")]
    [InlineData("curl")]
    public void Resolve_AsdfAndAToolAsdfDoesNotProvide_LeftAsIs(string program)
    {
        // Act
        var command = ToolchainCommand.Resolve(Toolchain.Asdf, [program, "eval", "x"]);

        // Assert
        Assert.Equal([program, "eval", "x"], command);
    }

    [Fact]
    public void Resolve_System_LeftAsIs()
    {
        // Act
        var command = ToolchainCommand.Resolve(Toolchain.System, ["mix", "compile"]);

        // Assert
        Assert.Equal(["mix", "compile"], command);
    }
}
