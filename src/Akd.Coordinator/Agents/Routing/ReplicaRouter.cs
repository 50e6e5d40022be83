using System.Collections.Concurrent;
using Akd.Contracts.V1;
using Akd.Coordinator.Replicas;
using Akd.Coordinator.Storage;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Agents.Routing;

/// <summary>
/// Reaches agents connected to other replicas through the shared PostgreSQL store. A step for an agent held by
/// replica B is a routed message to B; B runs it on the agent's stream as its own step would run, and routes the
/// agent's output and result back, in order; cancels and acknowledgements follow the same way. Messages are rows
/// (<see cref="RouteStore"/>), written by group commit (<see cref="GroupCommit{T}"/>: a row the store refuses fails alone, the rest of its batch is written) and read in batches, and a <c>NOTIFY</c> wakes the
/// replica they are for. Where agents are is read once per burst of steps (<see cref="ReplicaView"/>), so a round to
/// every agent costs a few store round trips, not a few per agent. Inert on SQLite.
/// </summary>
public sealed partial class ReplicaRouter : BackgroundService, IRemoteAgents
{
    private readonly AgentRegistry _registry;
    private readonly RouteStore _routes;
    private readonly GroupCommit<RoutedMessage> _outbox;
    private readonly ReplicaView _view;
    private readonly AgentStore _agents;
    private readonly PostgresDatabase? _postgres;
    private readonly string _me;
    private readonly CoordinatorOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<ReplicaRouter> _logger;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly ILateResults? _late;
    private readonly ConcurrentDictionary<string, RemoteStep> _waiting = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, CancellationTokenSource> _running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _wake = new(0);

    public ReplicaRouter(
        AgentRegistry registry, RouteStore routes, AgentStore agents, ReplicaStore replicas, Database database, ReplicaIdentity identity,
        IOptions<CoordinatorOptions> options, TimeProvider clock, ILogger<ReplicaRouter> logger, IHostApplicationLifetime? lifetime = null,
        ILateResults? late = null)
    {
        _late = late;
        (_registry, _routes, _agents, _me, _options, _clock, _logger, _lifetime) =
            (registry, routes, agents, identity.Id, options.Value, clock, logger, lifetime);
        _outbox = new GroupCommit<RoutedMessage>(routes.SendManyAsync, _options.RouteBatchMax, RouteStore.RejectsRows);
        _view = new ReplicaView(agents, replicas, clock, _options.ReplicaTimeout);
        _postgres = database as PostgresDatabase;
        if (_postgres is not null)
        {
            registry.Remote = this;
        }
    }

    /// <summary>Cancels a deployment this replica drives (deployment id, actor): another replica was asked to. Set where the deployments are wired.</summary>
    public Func<string, string, CancellationToken, Task<bool>>? CancelDeployment { get; set; }

    /// <summary>What a step's wait ends with when the replica it was routed to does not hold the agent (compared by reference).</summary>
    private static readonly StepResult NotHeld = new() { Ok = false, Error = "not held there" };

    private sealed record RemoteStep(string Replica, string Agent, Action<AgentMessage> OnEvent, TaskCompletionSource<StepResult> Result);

    public bool TryDeliver(string stepId, AgentMessage message)
    {
        if (!_waiting.TryGetValue(stepId, out var step))
        {
            return false;
        }

        if (message.BodyCase == AgentMessage.BodyOneofCase.Result)
        {
            step.Result.TrySetResult(message.Result);
        }
        else
        {
            step.OnEvent(message);
        }

        return true;
    }

    public async Task<IReadOnlyList<RemoteAgent>> OnlineElsewhereAsync(CancellationToken ct)
    {
        var live = await _view.LiveAsync(ct).ConfigureAwait(false);
        if (!live.Any(r => r != _me))
        {
            return [];
        }

        return [.. (await _agents.ListOnlineAsync(ct).ConfigureAwait(false))
            .Where(a => a.Replica != _me && live.Contains(a.Replica))
            .Select(a => new RemoteAgent(a.Name, a.Labels, a.Replica))];
    }

    public async Task<StepResult?> RunStepAsync(string agent, StepCommand command, Action<AgentMessage> onEvent, TimeSpan deadline, CancellationToken ct)
    {
        var until = _clock.GetUtcNow() + deadline;
        if (await HolderAsync(agent, ct).ConfigureAwait(false) is not { } holder)
        {
            return null;
        }

        var result = await RunOnAsync(holder, agent, command, onEvent, until, ct).ConfigureAwait(false);
        if (!ReferenceEquals(result, NotHeld))
        {
            return result;
        }

        // The agent left the holder between the read of where agents are and the step's arrival there (it moved to another
        // replica, or here): where it is now is read once more, and the step goes there. A second miss fails as offline.
        LogHolderMoved(command.StepId, agent, holder);
        if (await HolderAsync(agent, ct).ConfigureAwait(false) is not { } now)
        {
            return null;
        }

        result = await RunOnAsync(now, agent, command, onEvent, until, ct).ConfigureAwait(false);
        return ReferenceEquals(result, NotHeld)
            ? new StepResult { StepId = command.StepId, Ok = false, Error = $"agent {agent} is offline (replica {now}, where it was, no longer holds its stream)" }
            : result;
    }

    /// <summary>
    /// Routes the step to <paramref name="holder"/> and waits for its result until <paramref name="until"/>;
    /// <see cref="NotHeld"/> when the holder answered that it does not hold the agent.
    /// </summary>
    private async Task<StepResult> RunOnAsync(string holder, string agent, StepCommand command, Action<AgentMessage> onEvent, DateTimeOffset until, CancellationToken ct)
    {
        var step = new RemoteStep(holder, agent, onEvent, new TaskCompletionSource<StepResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        _waiting[command.StepId] = step;
        try
        {
            await SendAsync(holder, agent, command.StepId, Kinds.Run, new CoordinatorMessage { RunStep = command }, ct).ConfigureAwait(false);
            if (command.KindCase == StepCommand.KindOneofCase.Ping)
            {
                // A ping round reaches every agent: one line each would be 10,000 lines a round.
                LogRoutedPing(command.StepId, agent, holder);
            }
            else
            {
                LogRouted(command.StepId, agent, holder);
            }

            while (true)
            {
                var left = until - _clock.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    await CancelAsync(holder, agent, command.StepId, "deadline passed").ConfigureAwait(false);
                    return NoAnswer(command, $"agent {agent} (on replica {holder}) did not finish the step within its {command.DeadlineSeconds}s deadline");
                }

                try
                {
                    return await step.Result.Task.WaitAsync(Min(left, _options.ReplicaTimeout), _clock, ct).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Still waiting: fine while the replica that runs it is alive.
                }

                // The holder died and the agent came here, still running the step: its result arrives here.
                if (!await _view.IsLiveAsync(holder, ct).ConfigureAwait(false) && !_registry.HasStepHere(agent, command.StepId))
                {
                    return NoAnswer(command, $"replica {holder}, which held agent {agent}'s stream, stopped during the step");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // As for a local step: a coordinator that stops leaves the step running; a cancelled deployment cancels it.
            if (_lifetime?.ApplicationStopping.IsCancellationRequested != true)
            {
                await CancelAsync(holder, agent, command.StepId, "cancelled").ConfigureAwait(false);
            }

            throw;
        }
        finally
        {
            _waiting.TryRemove(command.StepId, out _);
        }
    }

    public void Acknowledge(string agent, string stepId) => _ = Task.Run(async () =>
    {
        try
        {
            if (await HolderAsync(agent, CancellationToken.None).ConfigureAwait(false) is { } holder)
            {
                await SendAsync(holder, agent, stepId, Kinds.Ack, new CoordinatorMessage { ResultAck = new ResultAck { StepId = stepId } }, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
        {
            // Unacknowledged, the agent keeps the result and resends it; it is recorded once.
            LogRouteFailed(ex.Message);
        }
    });

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    private async Task CancelAsync(string holder, string agent, string stepId, string reason)
    {
        try
        {
            await SendAsync(holder, agent, stepId, Kinds.Cancel, new CoordinatorMessage { CancelStep = new CancelStep { StepId = stepId, Reason = reason } }, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
        {
            LogRouteFailed(ex.Message);
        }
    }

    /// <summary>Queued in the order called (a step's lines, then its result); completes once stored.</summary>
    private Task SendAsync(string to, string agent, string stepId, string kind, IMessage body, CancellationToken ct) =>
        _outbox.AddAsync(new RoutedMessage(0, to, _me, agent, stepId, kind, Convert.ToBase64String(body.ToByteArray())), ct);

    /// <summary>The live replica, other than this one, that holds the agent's stream; null when none does.</summary>
    private async Task<string?> HolderAsync(string agent, CancellationToken ct) =>
        await _view.HolderAsync(agent, ct).ConfigureAwait(false) is { } holder && holder != _me ? holder : null;

    private static StepResult NoAnswer(StepCommand command, string error) => new() { StepId = command.StepId, Ok = false, NoAnswer = true, Error = error };

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static class Kinds
    {
        public const string Run = "run";
        public const string Cancel = "cancel";
        public const string Ack = "ack";
        public const string Event = "event";
        public const string Result = "result";

        /// <summary>Back to the asking replica: the step's agent is not connected here (it moved); the asker looks again.</summary>
        public const string NotHeld = "not-held";
    }

    [LoggerMessage(EventId = 970, Level = LogLevel.Information, Message = "Step {StepId} for agent {Agent} routed to replica {Replica}")]
    private partial void LogRouted(string stepId, string agent, string replica);

    [LoggerMessage(EventId = 975, Level = LogLevel.Debug, Message = "Ping {StepId} for agent {Agent} routed to replica {Replica}")]
    private partial void LogRoutedPing(string stepId, string agent, string replica);

    [LoggerMessage(EventId = 976, Level = LogLevel.Information, Message = "Step {StepId} for agent {Agent} reached replica {Replica} after the agent left it; looking where it is now")]
    private partial void LogHolderMoved(string stepId, string agent, string replica);

    [LoggerMessage(EventId = 971, Level = LogLevel.Warning, Message = "Routing between replicas failed: {Reason}")]
    private partial void LogRouteFailed(string reason);

    [LoggerMessage(EventId = 973, Level = LogLevel.Information, Message = "Result of step {StepId} from {Agent} was for a replica that died; recorded as a late result")]
    private partial void LogOrphanedResult(string stepId, string agent);

    [LoggerMessage(EventId = 974, Level = LogLevel.Information, Message = "Cancel of deployment {Id} asked on replica {Replica}")]
    private partial void LogCancelRouted(string id, string replica);

    [LoggerMessage(EventId = 972, Level = LogLevel.Warning, Message = "Listening for routed messages failed ({Reason}); polling meanwhile")]
    private partial void LogListenFailed(string reason);
}
