using Akd.Core.Hooks;
using Akd.Core.Manifest;
using Akd.Core.Processes;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Hooks;

/// <summary>akd's hook semantics, with real processes that append to a journal file.</summary>
public sealed class HookRunnerTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<OutputLine> _log = [];

    private string Journal => _dir.Combine("journal");

    public void Dispose() => _dir.Dispose();

    [Fact(Timeout = 30_000)]
    public async Task RunStageAsync_AllSucceed_MainsInOrderThenEnsureNewestFirstAndNoRollback()
    {
        // Arrange: two hooks at after-activate, one at another stage that must not run.
        var runner = Runner(Hook("a"), Hook("b"), Hook("other", HookStage.AfterStart));

        // Act
        await runner.RunStageAsync(HookStage.AfterActivate, Context(), CancellationToken.None);
        await runner.FinishAsync(failed: false, CancellationToken.None);

        // Assert
        Assert.Equal(["main a", "main b", "ensure b", "ensure a"], JournalLines());
    }

    [Fact(Timeout = 30_000)]
    public async Task RunStageAsync_MainFails_StopsThenEnsuresAndRollsBackEveryHookThatRanNewestFirst()
    {
        // Arrange: b's main writes its line, then fails; c comes after it.
        var failing = Hook("b") with { Run = [Append("main b"), ["sh", "-c", "exit 3"], Append("main b after failure")] };
        var runner = Runner(Hook("a"), failing, Hook("c"));

        // Act
        var error = await Assert.ThrowsAsync<HookFailedException>(() => runner.RunStageAsync(HookStage.AfterActivate, Context(), CancellationToken.None));
        await runner.FinishAsync(failed: true, CancellationToken.None);

        // Assert: c never ran; b's second command never ran; cleanup covers a and b only.
        Assert.Equal("b", error.Hook);
        Assert.Contains("exited with code 3", error.Message);
        Assert.Equal(["main a", "main b", "ensure b", "ensure a", "rollback b", "rollback a"], JournalLines());
    }

    [Fact(Timeout = 30_000)]
    public async Task RunStageAsync_MainFailsWithAReasonOnStderr_ErrorQuotesIt()
    {
        // Arrange
        var failing = Hook("m") with { Run = [["sh", "-c", "echo migrating; echo 'relation users already exists' >&2; exit 1"]] };
        var runner = Runner(failing);

        // Act
        var error = await Assert.ThrowsAsync<HookFailedException>(() => runner.RunStageAsync(HookStage.AfterActivate, Context(), CancellationToken.None));
        await runner.FinishAsync(failed: true, CancellationToken.None);

        // Assert
        Assert.Contains("exited with code 1: relation users already exists", error.Message);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunStageAsync_FailingHookWithIgnoreFailure_PipelineContinuesWithoutRollback()
    {
        // Arrange
        var ignored = Hook("a") with { Run = [Append("main a"), ["false"]], IgnoreFailure = true };
        var runner = Runner(ignored, Hook("b"));

        // Act
        await runner.RunStageAsync(HookStage.AfterActivate, Context(), CancellationToken.None);
        await runner.FinishAsync(failed: false, CancellationToken.None);

        // Assert
        Assert.Equal(["main a", "main b", "ensure b", "ensure a"], JournalLines());
        Assert.Contains(_log, l => l.Text.Contains("ignore_failure", StringComparison.Ordinal));
    }

    [Fact(Timeout = 30_000)]
    public async Task FinishAsync_PipelineFailedAfterTheHooks_RollsBackHooksOfEveryStageInTheirOwnDirectories()
    {
        // Arrange: hooks at two stages, each stage in its own directory; then say something else failed (a health check).
        var first = Directory.CreateDirectory(_dir.Combine("first")).FullName;
        var second = Directory.CreateDirectory(_dir.Combine("second")).FullName;
        var before = Hook("before", HookStage.BeforeActivate) with { Rollback = [["sh", "-c", "echo \"rollback before in $(pwd)\" >> \"$0\"", Journal]] };
        var after = Hook("after") with { Rollback = [["sh", "-c", "echo \"rollback after in $(pwd)\" >> \"$0\"", Journal]] };
        var runner = Runner(before, after);
        await runner.RunStageAsync(HookStage.BeforeActivate, Context(first), CancellationToken.None);
        await runner.RunStageAsync(HookStage.AfterActivate, Context(second), CancellationToken.None);

        // Act
        await runner.FinishAsync(failed: true, CancellationToken.None);

        // Assert
        Assert.Equal(
            ["main before", "main after", "ensure after", "ensure before", $"rollback after in {second}", $"rollback before in {first}"],
            JournalLines());
    }

    [Fact(Timeout = 30_000)]
    public async Task FinishAsync_FailingEnsureAndCalledTwice_RunsTheOtherCleanupsOnce()
    {
        // Arrange: b's ensure fails; a's must still run.
        var b = Hook("b") with { Ensure = [["sh", "-c", "exit 1"], Append("ensure b second command")] };
        var runner = Runner(Hook("a"), b);
        await runner.RunStageAsync(HookStage.AfterActivate, Context(), CancellationToken.None);

        // Act
        await runner.FinishAsync(failed: false, CancellationToken.None);
        await runner.FinishAsync(failed: true, CancellationToken.None);

        // Assert
        Assert.Equal(["main a", "main b", "ensure b second command", "ensure a"], JournalLines());
    }

    [Fact(Timeout = 30_000)]
    public async Task RunStageAsync_EnvResolveAndMissingProgram_AppliedAndReportedAsFailure()
    {
        // Arrange: Resolve maps the pseudo tool "greet" to a real command, as asdf exec does for mix.
        var greet = Hook("greet") with { Run = [["greet"]], Ensure = [], Rollback = [] };
        var missing = Hook("missing") with { Run = [["akd-no-such-program-xyz"]] };
        var context = Context() with
        {
            Environment = new Dictionary<string, string?> { ["GREETING"] = "hi there" },
            Resolve = c => c[0] == "greet" ? ["sh", "-c", "echo \"$GREETING\" >> \"$0\"", Journal] : c,
        };
        var runner = Runner(greet, missing);

        // Act
        var error = await Assert.ThrowsAsync<HookFailedException>(() => runner.RunStageAsync(HookStage.AfterActivate, context, CancellationToken.None));

        // Assert
        Assert.Equal("missing", error.Hook);
        Assert.Contains("akd-no-such-program-xyz", error.Message);
        Assert.Equal(["hi there"], JournalLines());
        Assert.Equal(["greet", "missing"], runner.Ran);
    }

    [Fact(Timeout = 30_000)]
    public async Task RunStageAsync_RelativeProgramPath_ResolvesAgainstTheWorkingDirectory()
    {
        // Arrange: a release-like directory with bin/tool, as `bin/APP eval ...` hooks use.
        var release = Directory.CreateDirectory(_dir.Combine("release")).FullName;
        _dir.WriteFile("release/bin/tool", $"#!/bin/sh\necho \"tool $1 in $(pwd)\" >> '{Journal}'\n",
            UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var runner = Runner(Hook("tool") with { Run = [["bin/tool", "migrate"]], Ensure = [], Rollback = [] });

        // Act
        await runner.RunStageAsync(HookStage.AfterActivate, Context(release), CancellationToken.None);

        // Assert
        Assert.Equal([$"tool migrate in {release}"], JournalLines());
    }

    [Fact(Timeout = 30_000)]
    public async Task FinishAfterFailureAsync_CancelledAndRollbackHangs_CutAtCleanupTimeout()
    {
        // Arrange: a main that ran, a rollback that would outlast the test (the default CleanupTimeout is 5 minutes).
        var hook = Hook("slow") with { Ensure = [], Rollback = [Append("rollback started"), ["sleep", "60"], Append("rollback ended")] };
        var runner = new HookRunner([hook], _ => { }) { CleanupTimeout = TimeSpan.FromSeconds(2) };
        await runner.RunStageAsync(HookStage.AfterActivate, Context(), CancellationToken.None);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        // Act
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => runner.FinishAfterFailureAsync(cancelled.Token));

        // Assert: the rollback started on the cleanup's own time and was cut there.
        Assert.Equal(["main slow", "rollback started"], JournalLines());
    }

    private HookRunner Runner(params HookSpec[] hooks) => new(hooks, line =>
    {
        lock (_log)
        {
            _log.Add(line);
        }
    });

    private HookContext Context(string? dir = null) => new(dir ?? _dir.Path, new Dictionary<string, string?>());

    private HookSpec Hook(string name, HookStage at = HookStage.AfterActivate) => new()
    {
        Name = name,
        At = at,
        Run = [Append($"main {name}")],
        Ensure = [Append($"ensure {name}")],
        Rollback = [Append($"rollback {name}")],
    };

    private string[] Append(string text) => ["sh", "-c", "echo \"$1\" >> \"$0\"", Journal, text];

    private string[] JournalLines() => File.Exists(Journal) ? File.ReadAllLines(Journal) : [];
}
