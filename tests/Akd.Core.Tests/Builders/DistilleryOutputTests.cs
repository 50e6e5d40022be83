using Akd.Core.Builders;
using Akd.Core.Processes;

namespace Akd.Core.Tests.Builders;

/// <summary>
/// What the distillery builder reads from <c>mix distillery.release</c>'s output. The transcripts are the
/// lines distillery 2.1.1 (lib/distillery/tasks/release.ex, Shell) and Elixir 1.14 print.
/// </summary>
public sealed class DistilleryOutputTests
{
    private static readonly string[] ArchiveFault =
    [
        "Compiling 6 files (.ex)",
        "Generated hello app",
        "==> Assembling release..",
        "==> Building release hello:0.2.0 using environment prod",
        "==> Including ERTS 13.1.5 from /usr/lib/erlang/erts-13.1.5",
        "==> Packaging release..",
        "==> Failed to archive release: _build/prod/rel/hello/releases/RELEASES: no such file or directory",
    ];

    [Fact]
    public void Add_ArchiveFaultAfterPackaging_RecognisesTheFaultAndTheVersionBeingBuilt()
    {
        // Arrange
        var output = new DistilleryOutput();

        // Act
        Feed(output, ArchiveFault);

        // Assert
        Assert.Equal("Failed to archive release: _build/prod/rel/hello/releases/RELEASES: no such file or directory", output.ArchiveFault);
        Assert.Equal(("hello", "0.2.0"), output.Building);
        Assert.Equal("==> Failed to archive release: _build/prod/rel/hello/releases/RELEASES: no such file or directory", output.Error());
    }

    [Fact]
    public void Add_ColouredOutput_StillRecognisesTheFault()
    {
        // Arrange: distillery colours its messages when ANSI is enabled.
        var output = new DistilleryOutput();

        // Act
        Feed(output, [.. ArchiveFault.Select(l => l.StartsWith("==> ", StringComparison.Ordinal) ? $"\u001b[1m\u001b[36m{l}\u001b[0m" : l)]);

        // Assert
        Assert.StartsWith("Failed to archive release:", output.ArchiveFault);
    }

    [Fact]
    public void Add_ArchiveFailureWithoutPackaging_IsNotTheKnownFault()
    {
        // Arrange
        var output = new DistilleryOutput();

        // Act
        Feed(output, "==> Assembling release..", "==> Failed to archive release: eacces");

        // Assert
        Assert.Null(output.ArchiveFault);
        Assert.Equal("==> Failed to archive release: eacces", output.Error());
    }

    [Fact]
    public void Add_ErrorAfterTheArchiveFault_IsNotTheKnownFault()
    {
        // Arrange
        var output = new DistilleryOutput();

        // Act: the archive message was not the last word.
        Feed(output, [.. ArchiveFault, "** (ErlangError) Erlang error: :enoent"]);

        // Assert
        Assert.Null(output.ArchiveFault);
        Assert.Equal("** (ErlangError) Erlang error: :enoent", output.Error());
    }

    [Fact]
    public void Add_CompileError_QuotesTheCompileError()
    {
        // Arrange
        var output = new DistilleryOutput();

        // Act
        Feed(output,
            "Compiling 7 files (.ex)",
            "",
            "== Compilation error in file lib/broken.ex ==",
            "** (CompileError) lib/broken.ex:2: undefined function nope/0",
            "");

        // Assert
        Assert.Null(output.ArchiveFault);
        Assert.Null(output.Building);
        Assert.Equal("** (CompileError) lib/broken.ex:2: undefined function nope/0", output.Error());
    }

    [Fact]
    public void Add_MissingReleaseConfig_QuotesDistilleryAndIsNotTheFault()
    {
        // Arrange
        var output = new DistilleryOutput();

        // Act
        Feed(output, "==> You are missing a release config file. Run the distillery.init task first");

        // Assert
        Assert.Null(output.ArchiveFault);
        Assert.Equal("==> You are missing a release config file. Run the distillery.init task first", output.Error());
    }

    [Fact]
    public void Add_MultiLineDistilleryError_QuotesItWithItsDetail()
    {
        // Arrange
        var output = new DistilleryOutput();

        // Act
        Feed(output, "==> Failed to load config:", "    ** (CompileError) rel/config.exs:3: undefined function environment/1");

        // Assert
        Assert.Equal("==> Failed to load config: ** (CompileError) rel/config.exs:3: undefined function environment/1", output.Error());
    }

    [Fact]
    public void Add_FailureWithoutAnErrorLine_QuotesTheLastLinesNotProgress()
    {
        // Arrange
        var output = new DistilleryOutput();

        // Act: the VM died while assembling.
        Feed(output, "==> Assembling release..", "==> Building release hello:0.1.0 using environment prod", "Kernel pid terminated (application_controller)", "Crash dump is being written to: erl_crash.dump...done");

        // Assert
        Assert.Equal("==> Building release hello:0.1.0 using environment prod Kernel pid terminated (application_controller) Crash dump is being written to: erl_crash.dump...done", output.Error());
    }

    [Fact]
    public void Error_NothingPrinted_SaysSo()
    {
        // Arrange
        var output = new DistilleryOutput();

        // Act
        output.Add(new OutputLine("agent", "$ MIX_ENV=prod mix distillery.release --env=prod"));

        // Assert: the agent's own lines are not the tool's.
        Assert.Equal("it printed nothing", output.Error());
    }

    private static void Feed(DistilleryOutput output, params string[] lines)
    {
        foreach (var line in lines)
        {
            output.Add(new OutputLine(OutputLine.StdOut, line));
        }
    }
}
