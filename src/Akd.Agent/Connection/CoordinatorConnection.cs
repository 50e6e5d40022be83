using Akd.Agent.Artifacts;
using Akd.Agent.Identity;
using Akd.Agent.Observability;
using Akd.Agent.Reporting;
using Akd.Agent.Steps;
using Akd.Agent.Transport;
using Akd.Client.Channels;
using Akd.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Connection;

/// <summary>
/// Dials the coordinator and keeps the command stream open, reconnecting with jittered exponential
/// backoff for as long as the agent runs. Steps keep running across reconnects.
/// </summary>
public sealed partial class CoordinatorConnection(
    CoordinatorChannel channel,
    Outbox outbox,
    StepExecutor executor,
    AgentToolchain toolchain,
    AgentMetrics metrics,
    Enroller enroller,
    AgentIdentity identity,
    ArtifactPrefetcher prefetcher,
    IHostApplicationLifetime lifetime,
    IOptions<AgentOptions> options,
    TimeProvider clock,
    ILogger<CoordinatorConnection> logger) : BackgroundService
{
    private int _renewing;

    // Set when the first session was welcomed or the first attempt failed: the fresh toolchain probe waits for it.
    private readonly TaskCompletionSource _firstAttempt = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        Directory.CreateDirectory(o.DataDir);
        try
        {
            await enroller.EnsureEnrolledAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (EnrollmentRefusedException ex)
        {
            LogNotEnrolled(ex.Message);
            Environment.ExitCode = 2;
            lifetime.StopApplication();
            return;
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return;
        }

        if (identity.Name != o.Name)
        {
            LogEnrolledName(identity.Name!, o.Name);
        }

        toolchain.LoadLast();
        var probe = ProbeAfterFirstAttemptAsync(stoppingToken);

        var reconnect = Reconnects.Pipeline(
            o.ReconnectBaseDelay,
            o.ReconnectMaxDelay,
            ex => ex is not ProtocolMismatchException && (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested),
            (ex, delay) =>
            {
                _firstAttempt.TrySetResult();
                LogReconnecting(ex?.Message ?? "stream ended", delay.TotalSeconds);
            });

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // The retry pipeline covers failed connection attempts; once a session was up, its
                // end starts a fresh sequence, so the backoff after a coordinator restart starts small.
                await reconnect.ExecuteAsync(ct => new ValueTask(RunSessionAsync(toolchain.Current, ct)), stoppingToken).ConfigureAwait(false);
                await Task.Delay(Reconnects.PauseAfterSession(o.SessionEndPause), clock, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (ProtocolMismatchException ex)
        {
            // Exit non-zero: systemd shows the unit failed (and Restart=on-failure retries every few seconds,
            // logging this each time) until the agent or the coordinator is replaced by one of the other's major.
            LogProtocolMismatch(ex.Message);
            Environment.ExitCode = 3;
            lifetime.StopApplication();
        }

        try
        {
            await probe.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// Probes the toolchain once the first session is up (or its attempt failed): the probe boots three VMs (elixir,
    /// erl, mix), which beside the first TLS handshake on a small host slowed the connect several times over, and the
    /// hello carries the last probe's result anyway. A changed result goes to the coordinator as soon as it is known.
    /// </summary>
    private async Task ProbeAfterFirstAttemptAsync(CancellationToken ct)
    {
        await _firstAttempt.Task.WaitAsync(ct).ConfigureAwait(false);
        await toolchain.ProbeAsync(ct).ConfigureAwait(false);

        // Start-up is over (host, configuration, TLS handshake, probe): what it allocated is garbage the GC would keep
        // committed for an agent that then idles for days. One compacting collection gives those pages back.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }

    private async Task RunSessionAsync(Toolchain toolchain, CancellationToken ct)
    {
        var o = options.Value;
        var client = new AgentHub.AgentHubClient(channel.Invoker);
        using var call = client.Connect(cancellationToken: ct);
        var hello = new AgentHello
        {
            Name = identity.Name!,
            AgentVersion = typeof(CoordinatorConnection).Assembly.GetName().Version?.ToString() ?? "",
            Toolchain = toolchain,
            Hostname = Environment.MachineName,
            Protocol = AgentProtocol.Current,
            PeerPort = (uint)Math.Max(0, o.PeerPort),
            PeerHost = o.PeerHost,
        };
        hello.RunningStepIds.AddRange(executor.RunningStepIds);
        hello.UnacknowledgedStepIds.AddRange(outbox.UnacknowledgedStepIds);
        await call.RequestStream.WriteAsync(new AgentMessage { Hello = hello }, ct).ConfigureAwait(false);

        Interlocked.Exchange(ref _renewing, 0);
        using var session = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeat = new HeartbeatTimer(o.HeartbeatInterval, clock);
        var writer = WriteAsync(call.RequestStream, heartbeat, session.Token);
        var welcomed = false;
        try
        {
            await foreach (var message in call.ResponseStream.ReadAllAsync(session.Token).ConfigureAwait(false))
            {
                switch (message.BodyCase)
                {
                    case CoordinatorMessage.BodyOneofCase.Welcome:
                        if (!AgentProtocol.IsCompatible(message.Welcome.Protocol))
                        {
                            throw new ProtocolMismatchException(
                                $"the coordinator at {channel.Address} speaks agent protocol {AgentProtocol.Format(message.Welcome.Protocol)} and this agent " +
                                $"{AgentProtocol.Format(AgentProtocol.Current)}: the major versions differ; run an agent of the coordinator's major version");
                        }

                        welcomed = true;
                        if (outbox.ResendUnacknowledged() is > 0 and var resent)
                        {
                            LogResending(resent);
                        }

                        heartbeat.Interval = TimeSpan.FromSeconds(Math.Max(1, message.Welcome.HeartbeatSeconds));
                        metrics.SetConnected(true);
                        LogConnected(channel.Address.ToString(), identity.Name!);
                        _firstAttempt.TrySetResult();
                        break;
                    case CoordinatorMessage.BodyOneofCase.Renewed:
                        identity.Accept(message.Renewed.Certificate.ToByteArray(), identity.Ca!);
                        Interlocked.Exchange(ref _renewing, 0);
                        LogRenewed(identity.Certificate!.NotAfter.ToUniversalTime());
                        break;
                    case CoordinatorMessage.BodyOneofCase.RunStep:
                        executor.Start(message.RunStep);
                        break;
                    case CoordinatorMessage.BodyOneofCase.ResultAck:
                        outbox.Acknowledged(message.ResultAck.StepId);
                        break;
                    case CoordinatorMessage.BodyOneofCase.CancelStep:
                        executor.Cancel(message.CancelStep.StepId, message.CancelStep.Reason);
                        break;
                    case CoordinatorMessage.BodyOneofCase.Prefetch:
                        prefetcher.Start(message.Prefetch);
                        break;
                }
            }

            LogSessionEnded("the coordinator closed the stream");
        }
        catch (Exception ex) when (welcomed && !ct.IsCancellationRequested && ex is RpcException or IOException or HttpRequestException)
        {
            LogSessionEnded(ex.Message);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.FailedPrecondition && ex.Trailers.Get(AgentProtocol.RefusedTrailer) is not null)
        {
            throw new ProtocolMismatchException(ex.Status.Detail);
        }
        finally
        {
            metrics.SetConnected(false);
            await session.CancelAsync().ConfigureAwait(false);
            await writer.ConfigureAwait(false);
        }

        if (!welcomed)
        {
            throw new IOException("the coordinator ended the stream before welcoming the agent");
        }
    }

    /// <summary>The only writer of the request stream: queued messages, plus a heartbeat when it is due.</summary>
    private async Task WriteAsync(IClientStreamWriter<AgentMessage> stream, HeartbeatTimer heartbeat, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                using var interval = new CancellationTokenSource(heartbeat.Interval, clock);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct, interval.Token);
                try
                {
                    if (await outbox.Reader.WaitToReadAsync(wait.Token).ConfigureAwait(false))
                    {
                        while (outbox.Reader.TryPeek(out var message))
                        {
                            await stream.WriteAsync(message, ct).ConfigureAwait(false);
                            outbox.Reader.TryRead(out _);
                        }
                    }
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                }

                if (identity.RenewalDue() && Interlocked.CompareExchange(ref _renewing, 1, 0) == 0)
                {
                    // Over this stream: the current certificate vouches for the request, and no step is interrupted.
                    var csr = identity.NewRequest(identity.Name!);
                    await stream.WriteAsync(new AgentMessage { Renew = new RenewCertificate { Csr = Google.Protobuf.ByteString.CopyFrom(csr) } }, ct).ConfigureAwait(false);
                }

                if (heartbeat.Due())
                {
                    await stream.WriteAsync(new AgentMessage { Heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()) } }, ct).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException or IOException or InvalidOperationException)
        {
            // The session is over; unsent messages stay in the outbox for the next one.
        }
    }

    private sealed class HeartbeatTimer(TimeSpan interval, TimeProvider clock)
    {
        private long _last = clock.GetTimestamp();

        public TimeSpan Interval { get; set; } = interval;

        public bool Due()
        {
            if (clock.GetElapsedTime(_last) < Interval)
            {
                return false;
            }

            _last = clock.GetTimestamp();
            return true;
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Connected to {Coordinator} as {Name}")]
    private partial void LogConnected(string coordinator, string name);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "Connection to the coordinator lost ({Reason}); reconnecting in {Seconds:0.0}s")]
    private partial void LogReconnecting(string reason, double seconds);

    [LoggerMessage(EventId = 5, Level = LogLevel.Error, Message = "Not enrolled: {Reason}")]
    private partial void LogNotEnrolled(string reason);

    [LoggerMessage(EventId = 6, Level = LogLevel.Warning, Message = "This agent is enrolled as {Enrolled}; --name {Name} is ignored")]
    private partial void LogEnrolledName(string enrolled, string name);

    [LoggerMessage(EventId = 7, Level = LogLevel.Information, Message = "Certificate renewed, valid until {NotAfter:u}")]
    private partial void LogRenewed(DateTime notAfter);

    [LoggerMessage(EventId = 8, Level = LogLevel.Critical, Message = "Stopping: {Reason}")]
    private partial void LogProtocolMismatch(string reason);

    [LoggerMessage(EventId = 9, Level = LogLevel.Information, Message = "Resending {Count} step result(s) the coordinator has not acknowledged")]
    private partial void LogResending(int count);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "Session with the coordinator ended: {Reason}")]
    private partial void LogSessionEnded(string reason);
}
