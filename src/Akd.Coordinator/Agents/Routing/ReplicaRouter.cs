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
/// (<see cref="RouteStore"/>) and a <c>NOTIFY</c> wakes the replica they are for. Inert on SQLite.
/// </summary>
public sealed partial class ReplicaRouter : BackgroundService, IRemoteAgents
{
    private readonly AgentRegistry _registry;
    private readonly RouteStore _routes;
    private readonly AgentStore _agents;
    private readonly ReplicaStore _replicas;
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
        (_registry, _routes, _agents, _replicas, _me, _options, _clock, _logger, _lifetime) =
            (registry, routes, agents, replicas, identity.Id, options.Value, clock, logger, lifetime);
        _postgres = database as PostgresDatabase;
        if (_postgres is not null)
        {
            registry.Remote = this;
        }
    }

    /// <summary>Cancels a deployment this replica drives (deployment id, actor): another replica was asked to. Set where the deployments are wired.</summary>
    public Func<string, string, CancellationToken, Task<bool>>? CancelDeployment { get; set; }

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
        var live = (await LiveReplicasAsync(ct).ConfigureAwait(false)).Where(r => r != _me).ToHashSet(StringComparer.Ordinal);
        if (live.Count == 0)
        {
            return [];
        }

        var holders = await _agents.ReplicasAsync(ct).ConfigureAwait(false);
        return [.. (await _agents.ListAsync(ct).ConfigureAwait(false))
            .Where(a => a.State == AgentState.Online && holders.TryGetValue(a.Name, out var r) && live.Contains(r))
            .Select(a => new RemoteAgent(a.Name, a.Labels.ToDictionary(StringComparer.Ordinal), holders[a.Name]))];
    }

    public async Task<StepResult?> RunStepAsync(string agent, StepCommand command, Action<AgentMessage> onEvent, TimeSpan deadline, CancellationToken ct)
    {
        if (await HolderAsync(agent, ct).ConfigureAwait(false) is not { } holder)
        {
            return null;
        }

        var step = new RemoteStep(holder, agent, onEvent, new TaskCompletionSource<StepResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        _waiting[command.StepId] = step;
        try
        {
            await SendAsync(holder, agent, command.StepId, Kinds.Run, new CoordinatorMessage { RunStep = command }, ct).ConfigureAwait(false);
            LogRouted(command.StepId, agent, holder);
            var until = _clock.GetUtcNow() + deadline;
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
                if (!await IsLiveAsync(holder, ct).ConfigureAwait(false) && !_registry.HasStepHere(agent, command.StepId))
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_postgres is null)
        {
            return;
        }

        var listening = Task.Run(() => ListenAsync(_postgres, stoppingToken), CancellationToken.None);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                using (var tick = new CancellationTokenSource(_options.RoutePollInterval, _clock))
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, tick.Token))
                {
                    try
                    {
                        await _wake.WaitAsync(wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                    {
                        // The poll interval passed.
                    }
                }

                await DrainAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await listening.ConfigureAwait(false);
    }

    /// <summary>Holds a connection with <c>LISTEN</c> on the routes channel; a notification for this replica wakes the drain.</summary>
    private async Task ListenAsync(PostgresDatabase postgres, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var connection = await postgres.OpenDedicatedAsync(ct).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += (_, e) =>
                    {
                        if (e.Payload == _me)
                        {
                            _wake.Release();
                        }
                    };
                    await using (var listen = connection.CreateCommand())
                    {
                        listen.CommandText = $"LISTEN {RouteStore.Channel}";
                        await listen.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                    }

                    // Anything sent before LISTEN took effect.
                    _wake.Release();
                    while (!ct.IsCancellationRequested)
                    {
                        await connection.WaitAsync(ct).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is System.Data.Common.DbException or IOException or TimeoutException or InvalidOperationException)
            {
                // The poll keeps messages moving meanwhile.
                LogListenFailed(ex.Message);
                await Task.Delay(_options.RoutePollInterval, _clock, ct).ConfigureAwait(false);
            }
        }
    }

    private async Task DrainAsync(CancellationToken ct)
    {
        List<RoutedMessage> messages;
        try
        {
            messages = await _routes.TakeAsync(_me, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
        {
            LogRouteFailed(ex.Message);
            return;
        }

        foreach (var message in messages)
        {
            Handle(message);
        }

        await TakeOrphanedAsync(ct).ConfigureAwait(false);
    }

    /// <summary>
    /// A result routed to a replica that died before reading it is recorded as a late result, for the replica that takes
    /// over its deployment, and acknowledged to the agent; other messages for the dead die with it.
    /// </summary>
    private async Task TakeOrphanedAsync(CancellationToken ct)
    {
        try
        {
            foreach (var message in await _routes.TakeOrphanedAsync(_clock.GetUtcNow() - _options.ReplicaTimeout, ct).ConfigureAwait(false))
            {
                if (message.Kind == Kinds.Result && _late is not null)
                {
                    await RecordLateAsync(message.Agent, AgentMessage.Parser.ParseFrom(Convert.FromBase64String(message.Body)).Result, ct).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
        {
            LogRouteFailed(ex.Message);
        }
    }

    private async Task RecordLateAsync(string agent, StepResult result, CancellationToken ct)
    {
        await _late!.RecordAsync(agent, result, ct).ConfigureAwait(false);
        _registry.Acknowledge(agent, result.StepId);
        LogOrphanedResult(result.StepId, agent);
    }

    private void Handle(RoutedMessage message)
    {
        switch (message.Kind)
        {
            case Kinds.Run:
                var command = CoordinatorMessage.Parser.ParseFrom(Convert.FromBase64String(message.Body)).RunStep;
                _ = Task.Run(() => RunForAsync(message.From, message.Agent, command), CancellationToken.None);
                break;
            case Kinds.Cancel:
                if (_running.TryGetValue(message.StepId, out var running))
                {
                    running.Cancel();
                }

                break;
            case Kinds.Ack:
                _registry.AcknowledgeHere(message.Agent, message.StepId);
                break;
            case RoutedKinds.CancelDeployment when CancelDeployment is { } cancelDeployment:
                var actor = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(message.Body));
                _ = Task.Run(() => cancelDeployment(message.StepId, actor, CancellationToken.None), CancellationToken.None);
                LogCancelRouted(message.StepId, message.From);
                break;
            case Kinds.Event or Kinds.Result:
                var reply = AgentMessage.Parser.ParseFrom(Convert.FromBase64String(message.Body));
                // The holder lost the agent, which came here with the step: the agent's own result will follow here.
                if (reply.BodyCase == AgentMessage.BodyOneofCase.Result && reply.Result.NoAnswer && _registry.HasStepHere(message.Agent, message.StepId))
                {
                    break;
                }

                TryDeliver(message.StepId, reply);

                break;
        }
    }

    /// <summary>Runs another replica's step on this replica's stream of the agent, and routes its output and result back in order.</summary>
    private async Task RunForAsync(string origin, string agent, StepCommand command)
    {
        using var cancel = new CancellationTokenSource();
        _running[command.StepId] = cancel;
        var chain = Task.CompletedTask;
        var chainLock = new object();
        try
        {
            var result = await _registry.RunStepHereAsync(agent, command, message =>
            {
                lock (chainLock)
                {
                    chain = chain.ContinueWith(_ => SendAsync(origin, agent, command.StepId, Kinds.Event, message, CancellationToken.None), TaskScheduler.Default).Unwrap();
                }
            }, cancel.Token).ConfigureAwait(false);
            Task sent;
            lock (chainLock)
            {
                sent = chain;
            }

            await sent.ConfigureAwait(false);
            if (_late is not null && !await IsLiveAsync(origin, CancellationToken.None).ConfigureAwait(false))
            {
                // The replica that asked died: the one that takes over its deployment finds the result recorded.
                await RecordLateAsync(agent, result, CancellationToken.None).ConfigureAwait(false);
                return;
            }

            await SendAsync(origin, agent, command.StepId, Kinds.Result, new AgentMessage { Result = result }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The replica that asked cancelled it: it stopped waiting.
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or TimeoutException)
        {
            LogRouteFailed(ex.Message);
        }
        finally
        {
            _running.TryRemove(command.StepId, out _);
        }
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

    private Task SendAsync(string to, string agent, string stepId, string kind, IMessage body, CancellationToken ct) =>
        _routes.SendAsync(new RoutedMessage(0, to, _me, agent, stepId, kind, Convert.ToBase64String(body.ToByteArray())), ct);

    /// <summary>The live replica, other than this one, that holds the agent's stream; null when none does.</summary>
    private async Task<string?> HolderAsync(string agent, CancellationToken ct)
    {
        var holders = await _agents.ReplicasAsync(ct).ConfigureAwait(false);
        return holders.TryGetValue(agent, out var holder) && holder != _me && await IsLiveAsync(holder, ct).ConfigureAwait(false) ? holder : null;
    }

    private async Task<bool> IsLiveAsync(string replica, CancellationToken ct) =>
        (await LiveReplicasAsync(ct).ConfigureAwait(false)).Contains(replica, StringComparer.Ordinal);

    private Task<List<string>> LiveReplicasAsync(CancellationToken ct) => _replicas.ListLiveAsync(_clock.GetUtcNow() - _options.ReplicaTimeout, ct);

    private static StepResult NoAnswer(StepCommand command, string error) => new() { StepId = command.StepId, Ok = false, NoAnswer = true, Error = error };

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static class Kinds
    {
        public const string Run = "run";
        public const string Cancel = "cancel";
        public const string Ack = "ack";
        public const string Event = "event";
        public const string Result = "result";
    }

    [LoggerMessage(EventId = 970, Level = LogLevel.Information, Message = "Step {StepId} for agent {Agent} routed to replica {Replica}")]
    private partial void LogRouted(string stepId, string agent, string replica);

    [LoggerMessage(EventId = 971, Level = LogLevel.Warning, Message = "Routing between replicas failed: {Reason}")]
    private partial void LogRouteFailed(string reason);

    [LoggerMessage(EventId = 973, Level = LogLevel.Information, Message = "Result of step {StepId} from {Agent} was for a replica that died; recorded as a late result")]
    private partial void LogOrphanedResult(string stepId, string agent);

    [LoggerMessage(EventId = 974, Level = LogLevel.Information, Message = "Cancel of deployment {Id} asked on replica {Replica}")]
    private partial void LogCancelRouted(string id, string replica);

    [LoggerMessage(EventId = 972, Level = LogLevel.Warning, Message = "Listening for routed messages failed ({Reason}); polling meanwhile")]
    private partial void LogListenFailed(string reason);
}
