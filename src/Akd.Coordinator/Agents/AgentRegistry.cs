using System.Collections.Concurrent;
using Akd.Contracts.V1;
using Akd.Core.Manifest;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Agents;

/// <summary>
/// The agents connected right now, and the steps they are running. A step ends when its agent sends
/// a result, when its deadline passes (the agent may have died: a deployment never hangs on it), or
/// when the agent reconnects without it (the agent restarted and lost it), or when the agent
/// disconnects and does not come back within <see cref="CoordinatorOptions.AgentLostGrace"/>.
/// </summary>
public sealed partial class AgentRegistry(
    TimeProvider clock, IOptions<CoordinatorOptions> options, ILogger<AgentRegistry> logger, IHostApplicationLifetime? lifetime = null)
{
    private readonly ConcurrentDictionary<string, AgentConnection> _online = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, PendingStep> _steps = new(StringComparer.Ordinal);
    private int _stopping;

    private sealed record PendingStep(string Agent, StepCommand Command, TaskCompletionSource<StepResult> Result, Action<AgentMessage> OnEvent);

    public IReadOnlyCollection<AgentConnection> Online => _online.Values.ToList();

    /// <summary>Agents connected to other replicas (set by the router when replicas share a store); null: this process alone.</summary>
    public IRemoteAgents? Remote { get; set; }

    /// <summary>
    /// The agents the selector names that are online here or on another live replica, by name, with how many steps
    /// each runs here (0 for another replica's): what a plan may target.
    /// </summary>
    public async Task<IReadOnlyList<(string Name, int RunningSteps)>> MatchingAnywhereAsync(LabelSelector selector, CancellationToken ct)
    {
        var here = Matching(selector).Select(a => (a.Name, a.RunningSteps)).ToList();
        if (Remote is null)
        {
            return here;
        }

        var elsewhere = (await Remote.OnlineElsewhereAsync(ct).ConfigureAwait(false))
            .Where(a => selector.Matches(a.Labels) && !_online.ContainsKey(a.Name))
            .Select(a => (a.Name, RunningSteps: 0));
        return [.. here.Concat(elsewhere).OrderBy(a => a.Name, StringComparer.Ordinal)];
    }

    public bool IsOnline(string name) => _online.ContainsKey(name);

    /// <summary>True once <see cref="CloseAll"/> ran: the coordinator is stopping and takes no new agent stream.</summary>
    public bool Stopping => Volatile.Read(ref _stopping) == 1;

    public IReadOnlyList<AgentConnection> Matching(LabelSelector selector) =>
        _online.Values.Where(a => selector.Matches(a.Labels)).OrderBy(a => a.Name, StringComparer.Ordinal).ToList();

    public void Connected(AgentConnection connection)
    {
        if (_online.TryGetValue(connection.Name, out var previous))
        {
            previous.Replaced.Cancel();
        }

        _online[connection.Name] = connection;
        if (Stopping)
        {
            // Came in while CloseAll went over the others (its hello was checked before the stop began): closed like them,
            // but marked offline by its own stream (the stop's one statement may have run before its row was written).
            connection.Replaced.Cancel();
        }

        // A step whose result the agent still keeps is not lost: the result follows on this stream.
        var stillRunning = connection.Hello.RunningStepIds.Concat(connection.Hello.UnacknowledgedStepIds).ToHashSet(StringComparer.Ordinal);
        foreach (var (id, step) in _steps)
        {
            if (step.Agent == connection.Name && !stillRunning.Contains(id))
            {
                step.Result.TrySetResult(new StepResult
                {
                    StepId = id, Ok = false, NoAnswer = true, Error = $"agent {connection.Name} reconnected without the step (it restarted)",
                });
            }
        }

        LogConnected(connection.Name, string.Join(",", connection.Labels.Select(l => $"{l.Key}={l.Value}")));
    }

    /// <summary>True when <paramref name="agent"/> is connected here and said in its hello it runs, or keeps the result of, <paramref name="stepId"/>.</summary>
    public bool HasStepHere(string agent, string stepId) =>
        _online.TryGetValue(agent, out var connection) &&
        (connection.Hello.RunningStepIds.Contains(stepId) || connection.Hello.UnacknowledgedStepIds.Contains(stepId));

    /// <summary>The id of the build step <paramref name="agent"/> is running now, or null: an upload is bound to it.</summary>
    public string? RunningBuildStep(string agent) =>
        StepsOf(agent).FirstOrDefault(s => s.Command.KindCase == StepCommand.KindOneofCase.Build)?.Command.StepId;

    /// <summary>True when <paramref name="agent"/> runs the build step <paramref name="stepId"/> now: an upload may be bound to it.</summary>
    public bool RunsBuildStep(string agent, string stepId) =>
        _steps.TryGetValue(stepId, out var step) && step.Agent == agent && step.Command.KindCase == StepCommand.KindOneofCase.Build;

    /// <summary>True when <paramref name="agent"/> runs a step of <paramref name="deploymentId"/> that the coordinator waits for.</summary>
    public bool WaitsForStepOf(string agent, string deploymentId) =>
        StepsOf(agent).Any(s => s.Command.DeploymentId == deploymentId);

    /// <summary>True when a step <paramref name="agent"/> is running now needs the artifact: its build's source, its release, its source tree.</summary>
    public bool StepNeeds(string agent, string sha256) =>
        StepsOf(agent).Any(s => ArtifactOf(s.Command) == sha256);

    /// <summary>
    /// The steps waiting here for <paramref name="agent"/>, read without a snapshot: <c>Values</c> takes every lock of the
    /// dictionary and copies it, and a stop with 10,000 agents asked once per closed stream.
    /// </summary>
    private IEnumerable<PendingStep> StepsOf(string agent) => _steps.Select(s => s.Value).Where(s => s.Agent == agent);

    private static string? ArtifactOf(StepCommand command) => command.KindCase switch
    {
        StepCommand.KindOneofCase.Build => command.Build.Source?.Archive?.Sha256,
        StepCommand.KindOneofCase.Activate => command.Activate.Artifact?.Sha256,
        StepCommand.KindOneofCase.SourceActivate => command.SourceActivate.Source?.Archive?.Sha256,
        _ => null,
    };

    /// <summary>Ends the agent's live stream (revoked or removed); its steps fail as for a lost agent.</summary>
    public void Close(string name)
    {
        if (_online.TryGetValue(name, out var connection))
        {
            connection.Replaced.Cancel();
        }
    }

    /// <summary>Ends every live agent stream: the coordinator is shutting down, and agents should reconnect (to it or a replica) now.</summary>
    public void CloseAll()
    {
        // Set before the streams are gone over (a full fence): a stream joining meanwhile sees it in Connected.
        Interlocked.Exchange(ref _stopping, 1);
        var closing = _online.Values.ToList();
        foreach (var connection in closing)
        {
            connection.ClosedByStop = true;
        }

        // All flagged before any is cancelled: a stream ending at once finds its flag set.
        foreach (var connection in closing)
        {
            connection.Replaced.Cancel();
        }

        LogClosingAll(closing.Count);
    }

    public void Relabel(string name, IReadOnlyDictionary<string, string> labels)
    {
        if (_online.TryGetValue(name, out var connection))
        {
            connection.Labels = labels;
        }
    }

    /// <summary>Removes the connection unless a newer one already replaced it; true when the agent is now offline.</summary>
    public bool Disconnected(AgentConnection connection)
    {
        var removed = ((ICollection<KeyValuePair<string, AgentConnection>>)_online).Remove(new(connection.Name, connection));
        connection.Outbox.Writer.TryComplete();
        if (removed)
        {
            // At a stop every agent goes at once: one line said how many (CloseAll), not one line each.
            if (connection.ClosedByStop)
            {
                LogDisconnectedAtStop(connection.Name);
            }
            else
            {
                LogDisconnected(connection.Name);
            }

            // Not tied to the stream that just ended; the wait is bounded by the grace period.
            _ = FailStepsUnlessBackAsync(connection.Name, CancellationToken.None);
        }

        return removed;
    }

    /// <summary>A dead agent never answers: its steps fail after the grace period unless it reconnects.</summary>
    private async Task FailStepsUnlessBackAsync(string agent, CancellationToken ct)
    {
        if (!StepsOf(agent).Any())
        {
            return;
        }

        var grace = options.Value.AgentLostGrace;
        await Task.Delay(grace, clock, ct).ConfigureAwait(false);
        if (IsOnline(agent))
        {
            return;
        }

        foreach (var (id, step) in _steps)
        {
            if (step.Agent == agent && step.Result.TrySetResult(new StepResult
            {
                StepId = id, Ok = false, NoAnswer = true,
                Error = $"agent {agent} disconnected during the step and did not come back within {grace.TotalSeconds:0.#}s",
            }))
            {
                LogStepLost(id, agent);
            }
        }
    }

    /// <summary>
    /// Tells <paramref name="agent"/> it may forget the result of <paramref name="stepId"/>: sent once the result is
    /// stored. An agent offline now resends the result after it reconnects, and is acknowledged then.
    /// </summary>
    public void Acknowledge(string agent, string stepId)
    {
        if (!AcknowledgeHere(agent, stepId))
        {
            Remote?.Acknowledge(agent, stepId);
        }
    }

    /// <summary>Acknowledges on this replica's stream of the agent only; false when it is not connected here.</summary>
    public bool AcknowledgeHere(string agent, string stepId)
    {
        if (!_online.TryGetValue(agent, out var connection))
        {
            return false;
        }

        connection.Send(new CoordinatorMessage { ResultAck = new ResultAck { StepId = stepId } });
        return true;
    }

    /// <summary>Hands a step's output or result to the step waiting for it; false when no step waits (a late result).</summary>
    public bool Dispatch(AgentMessage message) => Dispatch(message, out _);

    /// <param name="message">A step's output or result from an agent's stream, or routed from the replica that holds it.</param>
    /// <param name="kind">The kind of the step waiting here for it; <see cref="StepCommand.KindOneofCase.None"/> when it waits on another replica or nowhere.</param>
    public bool Dispatch(AgentMessage message, out StepCommand.KindOneofCase kind)
    {
        kind = StepCommand.KindOneofCase.None;
        var stepId = message.BodyCase switch
        {
            AgentMessage.BodyOneofCase.Log => message.Log.StepId,
            AgentMessage.BodyOneofCase.Progress => message.Progress.StepId,
            AgentMessage.BodyOneofCase.Result => message.Result.StepId,
            _ => null,
        };
        if (stepId is null)
        {
            return false;
        }

        if (!_steps.TryGetValue(stepId, out var step))
        {
            return Remote?.TryDeliver(stepId, message) == true;
        }

        kind = step.Command.KindCase;
        if (message.BodyCase == AgentMessage.BodyOneofCase.Result)
        {
            // A duplicate (resent after a reconnect) finds the result already set: the first one counts.
            step.Result.TrySetResult(message.Result);
        }
        else
        {
            step.OnEvent(message);
        }

        return true;
    }

    /// <summary>
    /// Sends a step to an agent and waits for its result, within the step's deadline: on this replica's stream of the
    /// agent, or through the replica that holds it.
    /// </summary>
    public async Task<StepResult> RunStepAsync(string agent, StepCommand command, Action<AgentMessage> onEvent, CancellationToken ct)
    {
        if (!_online.ContainsKey(agent) && Remote is { } remote &&
            await remote.RunStepAsync(agent, command, onEvent, DeadlineOf(command), ct).ConfigureAwait(false) is { } routed)
        {
            return routed;
        }

        return await RunStepHereAsync(agent, command, onEvent, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// How long the coordinator waits for a step: <see cref="CoordinatorOptions.StepResultMargin"/> longer than the
    /// agent's own deadline, so the agent's timeout message wins when it is alive.
    /// </summary>
    public TimeSpan DeadlineOf(StepCommand command) => TimeSpan.FromSeconds(command.DeadlineSeconds) + options.Value.StepResultMargin;

    /// <summary>Runs a step on this replica's stream of the agent only (an agent offline here fails it as offline).</summary>
    public async Task<StepResult> RunStepHereAsync(string agent, StepCommand command, Action<AgentMessage> onEvent, CancellationToken ct)
    {
        if (!_online.TryGetValue(agent, out var connection))
        {
            return new StepResult { StepId = command.StepId, Ok = false, Error = $"agent {agent} is offline" };
        }

        var pending = new PendingStep(agent, command, new TaskCompletionSource<StepResult>(TaskCreationOptions.RunContinuationsAsynchronously), onEvent);
        _steps[command.StepId] = pending;
        Interlocked.Increment(ref connection.RunningSteps);
        try
        {
            connection.Send(new CoordinatorMessage { RunStep = command });

            var deadline = DeadlineOf(command);
            try
            {
                return await pending.Result.Task.WaitAsync(deadline, clock, ct).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                if (_online.TryGetValue(agent, out var live))
                {
                    live.Send(new CoordinatorMessage { CancelStep = new CancelStep { StepId = command.StepId, Reason = "deadline passed" } });
                }

                return new StepResult
                {
                    StepId = command.StepId,
                    Ok = false,
                    NoAnswer = true,
                    Error = $"agent {agent} did not finish the step within its {command.DeadlineSeconds}s deadline" +
                        (IsOnline(agent) ? "" : " (the agent is offline)"),
                };
            }
            catch (OperationCanceledException)
            {
                // A coordinator that stops leaves the step running: the agent keeps its result and the next start reconciles it.
                if (lifetime?.ApplicationStopping.IsCancellationRequested != true && _online.TryGetValue(agent, out var live))
                {
                    live.Send(new CoordinatorMessage { CancelStep = new CancelStep { StepId = command.StepId, Reason = "cancelled" } });
                }

                throw;
            }
        }
        finally
        {
            _steps.TryRemove(command.StepId, out _);
            Interlocked.Decrement(ref connection.RunningSteps);
        }
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Agent {Name} connected with labels {Labels}")]
    private partial void LogConnected(string name, string labels);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Agent {Name} disconnected")]
    private partial void LogDisconnected(string name);

    [LoggerMessage(EventId = 105, Level = LogLevel.Debug, Message = "Agent {Name} disconnected (the coordinator is stopping)")]
    private partial void LogDisconnectedAtStop(string name);

    [LoggerMessage(EventId = 106, Level = LogLevel.Information, Message = "Stopping: closing the streams of {Count} agents")]
    private partial void LogClosingAll(int count);

    [LoggerMessage(EventId = 103, Level = LogLevel.Warning, Message = "Step {StepId} failed: agent {Name} did not come back")]
    private partial void LogStepLost(string stepId, string name);
}
