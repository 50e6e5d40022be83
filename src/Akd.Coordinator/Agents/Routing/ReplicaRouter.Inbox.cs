using Akd.Contracts.V1;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Agents.Routing;

/// <summary>The receiving half: listening, draining this replica's mailbox, and running the steps other replicas route here.</summary>
public sealed partial class ReplicaRouter
{
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

                        // Notifications that came meanwhile are for rows committed before them: the drain below takes those too.
                        while (_wake.Wait(0))
                        {
                        }
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

    /// <summary>Takes this replica's messages a batch at a time, oldest first, handling each batch before taking the next.</summary>
    private async Task DrainAsync(CancellationToken ct)
    {
        var max = _options.RouteBatchMax;
        List<RoutedMessage> messages;
        do
        {
            try
            {
                messages = await _routes.TakeAsync(_me, max, ct).ConfigureAwait(false);
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
        }
        while (messages.Count == max);

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
            List<RoutedMessage> orphaned;
            do
            {
                orphaned = await _routes.TakeOrphanedAsync(_clock.GetUtcNow() - _options.ReplicaTimeout, _options.RouteBatchMax, ct).ConfigureAwait(false);
                foreach (var message in orphaned.Where(m => m.Kind == Kinds.Result && _late is not null))
                {
                    await RecordLateAsync(message.Agent, AgentMessage.Parser.ParseFrom(Convert.FromBase64String(message.Body)).Result, ct).ConfigureAwait(false);
                }
            }
            while (orphaned.Count == _options.RouteBatchMax);
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
                // Registered before the next message is handled: a cancel in the same batch finds it.
                var cancel = new CancellationTokenSource();
                _running[command.StepId] = cancel;
                _ = Task.Run(() => RunForAsync(message.From, message.Agent, command, cancel), CancellationToken.None);
                break;
            case Kinds.Cancel:
                if (_running.TryGetValue(message.StepId, out var running))
                {
                    try
                    {
                        running.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The step ended meanwhile.
                    }
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
            case Kinds.NotHeld:
                if (_waiting.TryGetValue(message.StepId, out var waiting))
                {
                    waiting.Result.TrySetResult(NotHeld);
                }

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

    /// <summary>
    /// Runs another replica's step on this replica's stream of the agent, and routes its output and result back in order:
    /// each line is queued as it arrives (the outbox keeps the order and writes the lines of many steps together).
    /// </summary>
    private async Task RunForAsync(string origin, string agent, StepCommand command, CancellationTokenSource cancel)
    {
        var lastLine = Task.CompletedTask;
        var lines = new object();
        try
        {
            if (!_registry.IsOnline(agent))
            {
                // It left this replica after the asker read where it was: the asker looks again rather than failing the step.
                await SendAsync(origin, agent, command.StepId, Kinds.NotHeld, new AgentMessage(), CancellationToken.None).ConfigureAwait(false);
                return;
            }

            var result = await _registry.RunStepHereAsync(agent, command, message =>
            {
                lock (lines)
                {
                    lastLine = SendAsync(origin, agent, command.StepId, Kinds.Event, message, CancellationToken.None);
                }
            }, cancel.Token).ConfigureAwait(false);
            Task sent;
            lock (lines)
            {
                sent = lastLine;
            }

            await sent.ConfigureAwait(false);
            if (_late is not null && !await _view.IsLiveAsync(origin, CancellationToken.None).ConfigureAwait(false))
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
            cancel.Dispose();
        }
    }
}
