using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Storage;
using Akd.Core.Manifest;
using Akd.Core.Releases;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// Drives one remote-build deployment through its states: pending → building → delivering →
/// succeeded | failed. Every transition is stored before it is announced, so history survives a restart.
/// </summary>
public sealed partial class DeploymentRunner(
    AgentRegistry registry,
    DeploymentStore deployments,
    DeploymentEvents events,
    IOptions<CoordinatorOptions> options,
    ILogger<DeploymentRunner> logger)
{
    public async Task CreateAsync(DeploymentPlan plan, CancellationToken ct)
    {
        await deployments.CreateAsync(plan.Record, plan.ManifestYaml, ct).ConfigureAwait(false);
        var build = plan.Prebuilt is { } prebuilt ? $"release {prebuilt.Version} built by akdctl"
            : plan.BuildAgent.Length > 0 ? $"build on {plan.BuildAgent}" : "build from source on each target";
        await SetStateAsync(plan, DeploymentStates.Pending,
            $"{plan.Record.App}: {build}, deliver to {string.Join(", ", plan.Targets)} (by {plan.Record.Actor})", ct).ConfigureAwait(false);
        foreach (var host in plan.Targets)
        {
            await deployments.SetHostStepAsync(plan.Record.Id, host, "activate", StepStates.Pending, "", "", ct).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the deployment to its end. Never throws: a failure is recorded as the deployment's state.</summary>
    public async Task RunAsync(DeploymentPlan plan, CancellationToken ct)
    {
        var id = plan.Record.Id;
        try
        {
            if (plan.Manifest.Strategy == DeployStrategy.Source)
            {
                await DeliverSourceAsync(plan, ct).ConfigureAwait(false);
                return;
            }

            var build = plan.Prebuilt ?? await BuildAsync(plan, ct).ConfigureAwait(false);
            if (build is null)
            {
                return;
            }

            var releaseId = ReleaseId.Create(build.Version, plan.Record.CreatedAt.ToDateTimeOffset());
            await deployments.SetBuildAsync(id, build.Artifact.Sha256, build.Version, releaseId, ct).ConfigureAwait(false);
            await DeliverAsync(plan, releaseId, build.Version,
                (command, _) => command.Activate = new ActivateStep { Artifact = build.Artifact, ReleaseId = releaseId, Version = build.Version }, ct).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogCrashed(ex, id);
            await FinishAsync(plan, DeploymentStates.Failed, $"internal error: {ex.Message}", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<BuildOutput?> BuildAsync(DeploymentPlan plan, CancellationToken ct)
    {
        await SetStateAsync(plan, DeploymentStates.Building, $"building on {plan.BuildAgent}", ct).ConfigureAwait(false);
        var command = NewCommand(plan, options.Value.BuildDeadline);
        command.Build = new BuildStep { Source = plan.Source };
        var result = await RunHostStepAsync(plan, plan.BuildAgent, "build", command, "", ct).ConfigureAwait(false);
        if (!result.Ok || result.Build?.Artifact is null)
        {
            await FinishAsync(plan, DeploymentStates.Failed, $"build on {plan.BuildAgent} failed: {result.Error}", ct).ConfigureAwait(false);
            return null;
        }

        return result.Build;
    }

    /// <param name="releaseId">Empty when the first hosts will name it (a source deploy from git).</param>
    /// <param name="setStep">Fills in the step each host gets, given the release id known by then.</param>
    private async Task DeliverAsync(DeploymentPlan plan, string releaseId, string version, Action<StepCommand, string> setStep, CancellationToken ct)
    {
        var rolling = plan.Manifest.Deploy.Rolling;
        var batchSize = rolling.Batch.SizeFor(plan.Targets.Count);
        await SetStateAsync(plan, DeploymentStates.Delivering,
            $"delivering {(releaseId.Length > 0 ? releaseId : "the source")} to {plan.Targets.Count} host(s), {batchSize} at a time", ct, releaseId, version).ConfigureAwait(false);

        var failures = new List<string>();
        var batches = plan.Targets.Chunk(batchSize).ToList();
        for (var i = 0; i < batches.Count; i++)
        {
            var results = await Task.WhenAll(batches[i].Select(async host =>
            {
                var command = NewCommand(plan, options.Value.ActivateDeadline);
                setStep(command, releaseId);
                return (Host: host, Result: await RunHostStepAsync(plan, host, "activate", command, releaseId, ct).ConfigureAwait(false));
            })).ConfigureAwait(false);

            releaseId = await LearnReleaseIdAsync(plan, releaseId, results.Select(r => r.Result), ct).ConfigureAwait(false);

            failures.AddRange(results.Where(r => !r.Result.Ok).Select(r => $"{r.Host}: {r.Result.Error}"));
            if (failures.Count > rolling.MaxFailures)
            {
                foreach (var host in batches.Skip(i + 1).SelectMany(b => b))
                {
                    await deployments.SetHostStepAsync(plan.Record.Id, host, "activate", StepStates.Skipped, "", "not reached: the rollout stopped", ct).ConfigureAwait(false);
                }

                await FinishAsync(plan, DeploymentStates.Failed, string.Join("; ", failures), ct).ConfigureAwait(false);
                return;
            }

            if (i < batches.Count - 1 && rolling.Pause > TimeSpan.Zero)
            {
                await Task.Delay(rolling.Pause, ct).ConfigureAwait(false);
            }
        }

        await FinishAsync(plan, DeploymentStates.Succeeded,
            failures.Count == 0 ? $"{releaseId} is live on {plan.Targets.Count} host(s)" : $"{releaseId} is live; tolerated failures: {string.Join("; ", failures)}",
            ct).ConfigureAwait(false);
    }

    private async Task<StepResult> RunHostStepAsync(DeploymentPlan plan, string host, string step, StepCommand command, string releaseId, CancellationToken ct)
    {
        var id = plan.Record.Id;
        await deployments.SetHostStepAsync(id, host, step, StepStates.Running, releaseId, "", ct).ConfigureAwait(false);
        await PublishAsync(new DeploymentEvent { DeploymentId = id, Kind = EventKind.Step, Host = host, Step = step, State = StepStates.Running, ReleaseId = releaseId }, ct).ConfigureAwait(false);

        // Agent events arrive on the agent's stream; they are chained so they are stored in the order they came.
        var chain = Task.CompletedTask;
        var chainLock = new object();
        var result = await registry.RunStepAsync(host, command, message =>
        {
            var e = ToEvent(id, host, step, message);
            lock (chainLock)
            {
                chain = chain.ContinueWith(_ => PublishAsync(e, CancellationToken.None), TaskScheduler.Default).Unwrap();
            }
        }, ct).ConfigureAwait(false);
        Task pending;
        lock (chainLock)
        {
            pending = chain;
        }

        await pending.ConfigureAwait(false);

        var state = result.Ok ? StepStates.Succeeded : result.Activate?.RolledBack == true ? StepStates.RolledBack : StepStates.Failed;
        var message = result.Ok ? Describe(result) : result.Error;
        if (releaseId.Length == 0 && !string.IsNullOrEmpty(result.Activate?.ReleaseId))
        {
            // A source deploy from git: the host named the release.
            releaseId = result.Activate.ReleaseId;
        }

        await deployments.SetHostStepAsync(id, host, step, state, releaseId, message, ct).ConfigureAwait(false);
        await PublishAsync(new DeploymentEvent
        {
            DeploymentId = id, Kind = EventKind.Step, Host = host, Step = step, State = state, Message = message,
            ReleaseId = releaseId, Version = result.Build?.Version ?? "",
        }, ct).ConfigureAwait(false);
        return result;
    }

    private static string Describe(StepResult result) => result.DetailCase switch
    {
        StepResult.DetailOneofCase.Build => $"built {result.Build.App} {result.Build.Version} ({result.Build.Artifact.Size} bytes, sha256 {result.Build.Artifact.Sha256[..12]})",
        StepResult.DetailOneofCase.Activate => $"{result.Activate.ReleaseId} is current and healthy ({result.Activate.HealthTarget} {result.Activate.HealthDetail})".Replace(" ()", ""),
        _ => "done",
    };

    private static DeploymentEvent ToEvent(string id, string host, string step, AgentMessage message) => message.BodyCase switch
    {
        AgentMessage.BodyOneofCase.Log => new DeploymentEvent
        {
            DeploymentId = id, Kind = EventKind.Log, Host = host, Step = step, Stream = message.Log.Stream, Message = message.Log.Line, At = message.Log.At,
        },
        _ => new DeploymentEvent
        {
            DeploymentId = id, Kind = EventKind.Progress, Host = host, Step = step, State = message.Progress.Phase, Message = message.Progress.Message, At = message.Progress.At,
        },
    };

    private StepCommand NewCommand(DeploymentPlan plan, TimeSpan deadline) => new()
    {
        StepId = Guid.NewGuid().ToString("N"),
        DeploymentId = plan.Record.Id,
        DeadlineSeconds = (int)deadline.TotalSeconds,
        ManifestYaml = plan.ManifestYaml,
        Environment = plan.Environment,
        DefaultApp = plan.Manifest.App,
    };

    private async Task SetStateAsync(DeploymentPlan plan, string state, string message, CancellationToken ct, string releaseId = "", string version = "")
    {
        await deployments.SetStateAsync(plan.Record.Id, state, null, finished: false, ct).ConfigureAwait(false);
        await PublishAsync(new DeploymentEvent
        {
            DeploymentId = plan.Record.Id, Kind = EventKind.Deployment, State = state, Message = message, ReleaseId = releaseId, Version = version,
        }, ct).ConfigureAwait(false);
    }

    private async Task FinishAsync(DeploymentPlan plan, string state, string message, CancellationToken ct)
    {
        var error = state == DeploymentStates.Failed ? message : "";
        await deployments.SetStateAsync(plan.Record.Id, state, error, finished: true, ct).ConfigureAwait(false);
        await PublishAsync(new DeploymentEvent { DeploymentId = plan.Record.Id, Kind = EventKind.Deployment, State = state, Message = message }, ct).ConfigureAwait(false);
        LogFinished(plan.Record.Id, state, message);
    }

    private Task PublishAsync(DeploymentEvent e, CancellationToken ct) => events.PublishAsync(e, ct);

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Deployment {Id} ended {State}: {Message}")]
    private partial void LogFinished(string id, string state, string message);

    [LoggerMessage(EventId = 201, Level = LogLevel.Error, Message = "Deployment {Id} crashed")]
    private partial void LogCrashed(Exception ex, string id);
}
