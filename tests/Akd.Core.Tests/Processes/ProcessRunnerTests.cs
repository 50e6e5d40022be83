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
        // Arrange: a child that would outlive its parent if only the parent were killed.
        var marker = Path.Combine(Path.GetTempPath(), $"akd-pr-{Guid.NewGuid():N}");
        var spec = new ProcessSpec("sh", ["-c", $"(sleep 3; touch {marker}) & sleep 30"]) { Timeout = TimeSpan.FromMilliseconds(500) };
        var watch = Stopwatch.StartNew();

        // Act
        var result = await ProcessRunner.RunAsync(spec, null, CancellationToken.None);

        // Assert
        Assert.True(result.TimedOut);
        Assert.False(result.Succeeded);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        await Task.Delay(3500);
        Assert.False(File.Exists(marker), "the grandchild survived the timeout");
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
        // Arrange: like run_erl, the child keeps our stdout open after the parent exits.
        var spec = new ProcessSpec("sh", ["-c", "sleep 20 & echo started"]) { OutputDrainGrace = TimeSpan.FromMilliseconds(300) };
        var watch = Stopwatch.StartNew();

        // Act
        var result = await ProcessRunner.RunAsync(spec, null, CancellationToken.None);

        // Assert
        Assert.True(result.Succeeded);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"waited {watch.Elapsed} for a pipe held by a daemon");
    }

    [Fact]
    public void Display_QuotesArgumentsThatNeedIt()
    {
        var spec = new ProcessSpec("mix", ["release", "it's here", "--overwrite"]);

        Assert.Equal("mix release 'it'\\''s here' --overwrite", spec.Display);
    }
}
