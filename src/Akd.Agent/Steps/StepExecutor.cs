using System.Collections.Concurrent;
using Akd.Agent.Observability;
using Akd.Agent.Reporting;
using Akd.Contracts.V1;
using Akd.Core.Builders;
using Akd.Core.Manifest;

namespace Akd.Agent.Steps;

/// <summary>
/// Runs the steps the coordinator sends, each in its own task with its deadline, and always
/// answers with exactly one result per step.
/// </summary>
public sealed partial class StepExecutor(
    Outbox outbox,
    BuildStepHandler build,
    ActivateStepHandler activate,
    SourceActivateStepHandler sourceActivate,
    RollbackStepHandler rollback,
    AppControlStepHandler control,
    ReleasesQueryHandler releases,
    StepContexts contexts,
    StepLocks locks,
    AgentMetrics metrics,
    IHostApplicationLifetime lifetime,
    TimeProvider clock,
    ILogger<StepExecutor> logger)
{
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> RunningStepIds => _running.Keys.ToList();

    public void Start(StepCommand command)
    {
        if (command.KindCase == StepCommand.KindOneofCase.Ping)
        {
            // A no-op: answered at once, so its round trip measures the command path alone; its result is not kept.
            outbox.SendUnkept(new AgentMessage { Result = new StepResult { StepId = command.StepId, Ok = true } });
            return;
        }

        Launch(command, recovery: null);
    }

    public void Cancel(string stepId, string reason)
    {
        if (_running.TryGetValue(stepId, out var cts))
        {
            LogCancelling(stepId, reason);
            cts.Cancel();
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> as the step <paramref name="command"/> names, reported like any step:
    /// used to finish a step a previous run of the agent died in (the coordinator may still wait for it).
    /// </summary>
    internal void StartRecovery(StepCommand command, Func<AppManifest, StepReporter, CancellationToken, Task<ActivateOutput>> work)
    {
        Launch(command, work);
    }

    private void Launch(StepCommand command, Func<AppManifest, StepReporter, CancellationToken, Task<ActivateOutput>>? recovery)
    {
        var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(Math.Max(1, command.DeadlineSeconds)), clock);
        var cts = CancellationTokenSource.CreateLinkedTokenSource(lifetime.ApplicationStopping, deadline.Token);
        if (!_running.TryAdd(command.StepId, cts))
        {
            cts.Dispose();
            deadline.Dispose();
            return;
        }

        _ = Task.Run(async () =>
        {
            using (deadline)
            {
                await RunAsync(command, cts, recovery).ConfigureAwait(false);
            }
        }, CancellationToken.None);
    }

    private async Task RunAsync(
        StepCommand command, CancellationTokenSource cts, Func<AppManifest, StepReporter, CancellationToken, Task<ActivateOutput>>? recovery = null)
    {
        var kind = KindLabel(command.KindCase);
        var reporter = new StepReporter(outbox, command.StepId, metrics, kind, clock);
        var started = clock.GetTimestamp();
        var result = new StepResult { StepId = command.StepId, DeploymentId = command.DeploymentId };
        try
        {
            var manifest = StepSpecs.ManifestOf(command);
            using var exclusive = await locks.AcquireAsync(locks.KeyFor(command, manifest), reporter, cts.Token).ConfigureAwait(false);
            if (recovery is not null)
            {
                result.Activate = await recovery(manifest, reporter, cts.Token).ConfigureAwait(false);
            }
            else
            {
                await DispatchAsync(command, contexts.For(manifest, reporter), result, cts.Token).ConfigureAwait(false);
            }

            result.Ok = true;
        }
        catch (ActivationFailedException ex)
        {
            result.Error = ex.Message;
            result.Activate = ex.Output;
        }
        catch (Exception ex) when (ex is StepFailedException or BuildFailedException)
        {
            result.Error = ex.Message;
        }
        catch (OperationCanceledException)
        {
            result.Error = lifetime.ApplicationStopping.IsCancellationRequested
                ? "the agent is shutting down"
                : $"the step was cancelled or passed its {command.DeadlineSeconds}s deadline";
        }
        catch (Exception ex)
        {
            LogStepCrashed(ex, command.StepId);
            result.Error = $"unexpected agent error: {ex.Message}";
        }
        finally
        {
            cts.Dispose();
        }

        if (!result.Ok)
        {
            reporter.Log($"step failed: {result.Error}");
        }

        reporter.Finished();
        metrics.StepEnded(kind, result.Ok, clock.GetElapsedTime(started));

        // Kept on disk before the step leaves the running list: a hello always names it one way or the other.
        outbox.Send(new AgentMessage { Result = result });
        _running.TryRemove(command.StepId, out _);
    }

    private async Task DispatchAsync(StepCommand command, StepContext context, StepResult result, CancellationToken ct)
    {
        switch (command.KindCase)
        {
            case StepCommand.KindOneofCase.Build:
                result.Build = await build.RunAsync(command, context, ct).ConfigureAwait(false);
                break;
            case StepCommand.KindOneofCase.Activate:
                result.Activate = await activate.RunAsync(command, context, ct).ConfigureAwait(false);
                break;
            case StepCommand.KindOneofCase.SourceActivate:
                result.Activate = await sourceActivate.RunAsync(command, context, ct).ConfigureAwait(false);
                break;
            case StepCommand.KindOneofCase.Rollback:
                result.Activate = await rollback.RunAsync(command, context, ct).ConfigureAwait(false);
                break;
            case StepCommand.KindOneofCase.Control:
                result.Control = await control.RunAsync(command, context, ct).ConfigureAwait(false);
                break;
            case StepCommand.KindOneofCase.Releases:
                result.Releases = releases.Run(context);
                break;
            default:
                throw new StepFailedException($"this agent does not know the step kind '{command.KindCase}'; upgrade the agent");
        }
    }

    /// <summary>The step kind as a metric label: a fixed set, spelled like the coordinator's step names.</summary>
    private static string KindLabel(StepCommand.KindOneofCase kind) => kind switch
    {
        StepCommand.KindOneofCase.Build => "build",
        StepCommand.KindOneofCase.Activate => "activate",
        StepCommand.KindOneofCase.SourceActivate => "source-activate",
        StepCommand.KindOneofCase.Rollback => "rollback",
        StepCommand.KindOneofCase.Control => "control",
        StepCommand.KindOneofCase.Releases => "releases",
        _ => "other",
    };

    [LoggerMessage(EventId = 20, Level = LogLevel.Warning, Message = "Cancelling step {StepId}: {Reason}")]
    private partial void LogCancelling(string stepId, string reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Error, Message = "Step {StepId} crashed")]
    private partial void LogStepCrashed(Exception ex, string stepId);
}
