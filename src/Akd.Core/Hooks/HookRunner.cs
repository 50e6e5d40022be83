using Akd.Core.Manifest;
using Akd.Core.Processes;

namespace Akd.Core.Hooks;

/// <summary>
/// akd's hook semantics for one pipeline (one step on one host). Hooks run stage by stage in manifest
/// order; the first main that fails without <c>ignore_failure</c> stops the pipeline. When the pipeline
/// ends, <c>ensure</c> of every hook that ran (the failed one included) runs newest first, and if the
/// pipeline failed (in a hook or anywhere else), <c>rollback</c> of every hook whose main ran follows,
/// newest first. Commands are argument arrays; their output goes to <paramref name="log"/>.
/// </summary>
public sealed class HookRunner(IReadOnlyList<HookSpec> hooks, Action<OutputLine> log)
{
    private readonly List<(HookSpec Hook, HookContext Context)> _ran = [];
    private bool _finished;

    /// <summary>
    /// How long ensure and rollback get, all together, when the work they clean up after was cancelled or passed its
    /// deadline (the agent's <c>Agent:HookCleanupTimeout</c>); otherwise they run under the work's own token.
    /// </summary>
    public TimeSpan CleanupTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Names of the hooks whose main ran, in the order they ran.</summary>
    public IReadOnlyList<string> Ran => _ran.Select(r => r.Hook.Name).ToList();

    /// <exception cref="HookFailedException">A main failed and its hook does not ignore failures.</exception>
    public async Task RunStageAsync(HookStage stage, HookContext context, CancellationToken ct)
    {
        if (_finished)
        {
            throw new InvalidOperationException("the hook pipeline has already finished");
        }

        foreach (var hook in hooks.Where(h => h.At == stage))
        {
            _ran.Add((hook, context));
            Log($"hook {hook.Name} ({StageName(stage)}): running");
            var failure = await RunCommandsAsync(hook.Run, context, stopAtFirstFailure: true, ct).ConfigureAwait(false);
            if (failure is null)
            {
                Log($"hook {hook.Name}: done");
            }
            else if (hook.IgnoreFailure)
            {
                Log($"hook {hook.Name} failed ({failure}); continuing because it has ignore_failure");
            }
            else
            {
                throw new HookFailedException(hook.Name, $"hook {hook.Name} ({StageName(stage)}) failed: {failure}");
            }
        }
    }

    /// <summary>
    /// Ends a pipeline that failed: ensure, then rollback. Cleanup must run even when the work was
    /// cancelled or passed its deadline, so it then gets time of its own.
    /// </summary>
    public async Task FinishAfterFailureAsync(CancellationToken ct)
    {
        using var cleanup = ct.IsCancellationRequested ? new CancellationTokenSource(CleanupTimeout) : CancellationTokenSource.CreateLinkedTokenSource(ct);
        await FinishAsync(failed: true, cleanup.Token).ConfigureAwait(false);
    }

    /// <summary>
    /// Ends the pipeline: ensure, then (on failure) rollback. Runs once; later calls do nothing.
    /// A failing ensure or rollback command is logged and does not stop the others: they are cleanup.
    /// </summary>
    public async Task FinishAsync(bool failed, CancellationToken ct)
    {
        if (_finished)
        {
            return;
        }

        _finished = true;
        var newestFirst = Enumerable.Reverse(_ran).ToList();
        foreach (var (hook, context) in newestFirst.Where(r => r.Hook.Ensure.Count > 0))
        {
            Log($"hook {hook.Name}: ensure");
            await CleanupAsync(hook, "ensure", hook.Ensure, context, ct).ConfigureAwait(false);
        }

        if (!failed)
        {
            return;
        }

        foreach (var (hook, context) in newestFirst.Where(r => r.Hook.Rollback.Count > 0))
        {
            Log($"hook {hook.Name}: rollback");
            await CleanupAsync(hook, "rollback", hook.Rollback, context, ct).ConfigureAwait(false);
        }
    }

    public static string StageName(HookStage stage) => stage switch
    {
        HookStage.BeforeBuild => "before-build",
        HookStage.AfterBuild => "after-build",
        HookStage.BeforeActivate => "before-activate",
        HookStage.AfterActivate => "after-activate",
        _ => "after-start",
    };

    private async Task CleanupAsync(HookSpec hook, string kind, IReadOnlyList<IReadOnlyList<string>> commands, HookContext context, CancellationToken ct)
    {
        var failure = await RunCommandsAsync(commands, context, stopAtFirstFailure: false, ct).ConfigureAwait(false);
        if (failure is not null)
        {
            Log($"hook {hook.Name}: {kind} failed ({failure}); carrying on with the rest");
        }
    }

    /// <returns>Null when every command succeeded, otherwise what went wrong with the first that failed.</returns>
    private async Task<string?> RunCommandsAsync(
        IReadOnlyList<IReadOnlyList<string>> commands, HookContext context, bool stopAtFirstFailure, CancellationToken ct)
    {
        string? firstFailure = null;
        foreach (var command in commands)
        {
            var failure = await RunCommandAsync(context.Resolve(command), context, ct).ConfigureAwait(false);
            firstFailure ??= failure;
            if (failure is not null && stopAtFirstFailure)
            {
                break;
            }
        }

        return firstFailure;
    }

    private async Task<string?> RunCommandAsync(IReadOnlyList<string> command, HookContext context, CancellationToken ct)
    {
        if (command.Count == 0)
        {
            return "empty command";
        }

        // `bin/APP eval ...` means the release's script: relative paths resolve against the working directory, not the agent's.
        var program = command[0].Contains('/') && !Path.IsPathRooted(command[0]) ? Path.GetFullPath(command[0], context.WorkingDirectory) : command[0];
        var spec = new ProcessSpec(program, command.Skip(1).ToList())
        {
            WorkingDirectory = context.WorkingDirectory,
            Environment = context.Environment,
            Timeout = context.CommandTimeout,
        };
        Log($"$ {spec.Display}");
        try
        {
            var cause = new FailureCause();
            var result = await ProcessRunner.RunAsync(spec, cause.Watch(log), ct).ConfigureAwait(false);
            return result.TimedOut ? $"'{spec.Display}' did not finish within {context.CommandTimeout}"
                : result.ExitCode != 0 ? cause.Append($"'{spec.Display}' exited with code {result.ExitCode}")
                : null;
        }
        catch (ProcessStartException ex)
        {
            return ex.Message;
        }
    }

    private void Log(string text) => log(new OutputLine("agent", text));
}
