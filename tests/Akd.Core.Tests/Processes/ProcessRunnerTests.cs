using System.Diagnostics;
using Akd.Core.Processes;

namespace Akd.Core.Tests.Processes;

public sealed class ProcessRunnerTests
{
    [Fact(Timeout = 30_000)]
    public async Task RunAsync_ArgumentsWithShellCharacters_ArePassedVerbatim()
    {
        // Arrange: if this went through a shell, the ; would run a second command.
        var lines = new List<OutputLine>();
        var spec = new ProcessSpec("printf", ["%s\\n", "a b; echo injected", "$HOME"]);

        // Act
        var result = await ProcessRunner.RunAsync(spec, lines.Add, CancellationToken.None);

        // Assert
        Assert.True(result.Succeeded);
        Assert.Equal(["a b; echo injected", "$HOME"], lines.Select(l => l.Text));
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_StandardInput_ReachesTheProgramWithoutAByteOrderMark()
    {
        // Arrange: od shows every byte the program read.
        var lines = new List<OutputLine>();
        var spec = new ProcessSpec("od", ["-An", "-c"]) { StandardInput = "ok.\n" };

        // Act
        var result = await ProcessRunner.RunAsync(spec, lines.Add, CancellationToken.None);

        // Assert
        Assert.True(result.Succeeded);
        Assert.Equal("o   k   .  \\n", Assert.Single(lines).Text.Trim());
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_WithheldPrefix_ChildDoesNotInheritItButGetsWhatTheSpecSets()
    {
        // Arrange: a prefix of this test's own, so other tests' children are unaffected.
        Environment.SetEnvironmentVariable("AKD_WITHHELD_TEST_SECRET", "s3cret");
        Environment.SetEnvironmentVariable("akd_withheld_test_lower", "s3cret");
        ChildEnvironment.Withhold("AKD_WITHHELD_TEST_");
        var spec = new ProcessSpec("env", [])
        {
            Environment = new Dictionary<string, string?> { ["AKD_WITHHELD_TEST_GIVEN"] = "given" },
        };

        // Act
        var (result, stdout) = await ProcessRunner.CaptureAsync(spec, CancellationToken.None);

        // Assert
        Assert.True(result.Succeeded);
        Assert.DoesNotContain("s3cret", stdout);
        Assert.Contains("AKD_WITHHELD_TEST_GIVEN=given", stdout);
        Assert.Contains("PATH=", stdout);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_EnvAndWorkingDirectory_AreApplied()
    {
        // Arrange
        var dir = Directory.CreateTempSubdirectory("akd-pr-").FullName;
        var spec = new ProcessSpec("sh", ["-c", "pwd; echo \"$AKD_TEST_VALUE\"; echo err >&2"])
        {
            WorkingDirectory = dir,
            Environment = new Dictionary<string, string?> { ["AKD_TEST_VALUE"] = "v 1" },
        };
        var lines = new List<OutputLine>();

        // Act
        var result = await ProcessRunner.RunAsync(spec, l => { lock (lines) { lines.Add(l); } }, CancellationToken.None);

        // Assert
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(new OutputLine(OutputLine.StdOut, dir), lines);
        Assert.Contains(new OutputLine(OutputLine.StdOut, "v 1"), lines);
        Assert.Contains(new OutputLine(OutputLine.StdErr, "err"), lines);
        Directory.Delete(dir);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_RelativeProgramPath_ResolvesAgainstTheWorkingDirectory()
    {
        // Arrange: health checks and hooks run ["bin/app", ...] from the release directory.
        var dir = Directory.CreateTempSubdirectory("akd-pr-").FullName;
        Directory.CreateDirectory(Path.Combine(dir, "bin"));
        var script = Path.Combine(dir, "bin", "app");
        File.WriteAllText(script, "#!/bin/sh\necho \"ran $1\"\n");
        File.SetUnixFileMode(script, (UnixFileMode)0x1ED);
        var lines = new List<OutputLine>();

        // Act
        var result = await ProcessRunner.RunAsync(new ProcessSpec("bin/app", ["pid"]) { WorkingDirectory = dir }, lines.Add, CancellationToken.None);

        // Assert
        Assert.True(result.Succeeded);
        Assert.Equal([new OutputLine(OutputLine.StdOut, "ran pid")], lines);
        Directory.Delete(dir, recursive: true);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_Timeout_KillsTheProcessTreeAndReportsTimedOut()
    {
        // Arrange: a grandchild that would outlive its parent if only the parent were killed; it names its pid.
        // Both sleep far past the test's own timeout, so a runner that waited for them fails the test.
        var pidFile = Path.Combine(Path.GetTempPath(), $"akd-pr-{Guid.NewGuid():N}.pid");
        var spec = new ProcessSpec("sh", ["-c", $"sleep 300 & echo $! > {pidFile}; sleep 300"]) { Timeout = TimeSpan.FromMilliseconds(500) };

        // Act
        var result = await ProcessRunner.RunAsync(spec, null, CancellationToken.None);

        // Assert
        Assert.True(result.TimedOut);
        Assert.False(result.Succeeded);
        var grandchild = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        File.Delete(pidFile);
        await LiveProcess.WaitGoneAsync(grandchild, CancellationToken.None);
        Assert.False(LiveProcess.IsAlive(grandchild), $"the grandchild {grandchild} survived the timeout");
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_Cancelled_ThrowsAndKills()
    {
        // Arrange
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        // Act + Assert
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ProcessRunner.RunAsync(new ProcessSpec("sleep", ["30"]), null, cts.Token));
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_MissingProgram_ThrowsProcessStartExceptionNamingIt()
    {
        var ex = await Assert.ThrowsAsync<ProcessStartException>(() =>
            ProcessRunner.RunAsync(new ProcessSpec("akd-no-such-program", []), null, CancellationToken.None));

        Assert.Contains("akd-no-such-program", ex.Message);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunAsync_DaemonizedChildHoldsThePipes_ReturnsAfterTheDrainGrace()
    {
        // Arrange: like run_erl, the child keeps our stdout open after the parent exits, far longer than the
        // test's timeout; it names its pid so the test can show the run ended while the pipe was still held.
        var spec = new ProcessSpec("sh", ["-c", "sleep 300 & echo $!"]) { OutputDrainGrace = TimeSpan.FromMilliseconds(300) };
        var lines = new List<OutputLine>();

        // Act
        var result = await ProcessRunner.RunAsync(spec, l => { lock (lines) { lines.Add(l); } }, CancellationToken.None);

        // Assert
        Assert.True(result.Succeeded);
        var daemon = int.Parse(Assert.Single(lines).Text, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(LiveProcess.IsAlive(daemon), "the run should end while the daemon still holds the pipe");
        Process.GetProcessById(daemon).Kill();
    }

    [Fact]
    public void Display_QuotesArgumentsThatNeedIt()
    {
        var spec = new ProcessSpec("mix", ["release", "it's here", "--overwrite"]);

        Assert.Equal("mix release 'it'\\''s here' --overwrite", spec.Display);
    }
}
