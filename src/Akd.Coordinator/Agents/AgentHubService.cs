using Akd.Contracts.V1;
using Akd.Coordinator.Enrollment;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Agents;

/// <summary>The agents' long-lived stream: hello first, then heartbeats and step events up, commands down.</summary>
public sealed partial class AgentHubService(
    AgentRegistry registry, AgentStore agents, AgentLiveness liveness, AgentIdentities identities, CertificateRenewal renewal, ILateResults lateResults,
    IOptions<CoordinatorOptions> options, TimeProvider clock, ILogger<AgentHubService> logger)
    : AgentHub.AgentHubBase
{
    public override async Task Connect(
        IAsyncStreamReader<AgentMessage> requestStream, IServerStreamWriter<CoordinatorMessage> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!await requestStream.MoveNext(ct).ConfigureAwait(false))
        {
            return;
        }

        if (requestStream.Current.BodyCase != AgentMessage.BodyOneofCase.Hello || string.IsNullOrWhiteSpace(requestStream.Current.Hello.Name))
        {
            throw new InvalidRequestException("the first message on the agent stream must be a hello with the agent's name");
        }

        var hello = requestStream.Current.Hello;
        if (!AgentProtocol.IsCompatible(hello.Protocol))
        {
            var theirs = AgentProtocol.Format(hello.Protocol);
            var ours = AgentProtocol.Format(AgentProtocol.Current);
            LogProtocolRefused(hello.Name, theirs, ours);
            throw new ProtocolRefusedException(
                $"agent {hello.Name} speaks agent protocol {theirs} and this coordinator {ours}: the major versions differ; " +
                "run an agent and a coordinator of the same major version (upgrade the older one)", ours);
        }

        // The certificate says who this is; the hello may only agree.
        var caller = Caller.Of(context);
        if (hello.Name != caller.Name)
        {
            throw new PermissionDeniedException($"this certificate is agent {caller.Name}'s; a hello as {hello.Name} is refused");
        }

        var labels = identities.LabelsOf(caller.Name);
        hello.Labels.Clear();
        hello.Labels.Add(labels.ToDictionary());
        MarkProbe(hello);
        if (hello.PeerPort > 0 && hello.PeerHost.Length == 0)
        {
            hello.PeerHost = Peers.PeerAddress.Host(context.Peer);
        }

        if (registry.Stopping)
        {
            // Its stream would be closed at once; refused before its row is written, it tries again (here or on a replica).
            throw new RpcException(new Status(StatusCode.Unavailable, "the coordinator is stopping; connect again (to it or to another replica)"));
        }

        var connection = new AgentConnection(hello, labels);
        await agents.UpsertOnlineAsync(connection.Hello, ct).ConfigureAwait(false);
        registry.Connected(connection);
        connection.Send(new CoordinatorMessage
        {
            Welcome = new Welcome
            {
                CoordinatorVersion = typeof(AgentHubService).Assembly.GetName().Version?.ToString() ?? "",
                HeartbeatSeconds = (int)options.Value.HeartbeatInterval.TotalSeconds,
                Protocol = AgentProtocol.Current,
            },
        });

        using var session = CancellationTokenSource.CreateLinkedTokenSource(ct, connection.Replaced.Token);
        var writer = WriteAsync(connection, responseStream, session.Token);
        try
        {
            while (await requestStream.MoveNext(session.Token).ConfigureAwait(false))
            {
                var message = requestStream.Current;
                if (message.BodyCase == AgentMessage.BodyOneofCase.Heartbeat)
                {
                    // Noted only: the store is refreshed for all agents once a heartbeat interval (AgentLiveness).
                    liveness.Beat(connection.Name);
                    connection.Send(new CoordinatorMessage { Heartbeat = new Heartbeat { SentAt = Timestamp.FromDateTimeOffset(clock.GetUtcNow()) } });
                }
                else if (message.BodyCase == AgentMessage.BodyOneofCase.Renew)
                {
                    var renewed = await renewal.RenewAsync(connection.Name, message.Renew, session.Token).ConfigureAwait(false);
                    connection.Send(new CoordinatorMessage { Renewed = renewed });
                }
                else if (message.BodyCase == AgentMessage.BodyOneofCase.Toolchain)
                {
                    message.Toolchain.Probed = true; // sent only after a probe, by agents of every protocol
                    connection.Hello.Toolchain = message.Toolchain;
                    await agents.SetToolchainAsync(connection.Name, message.Toolchain, session.Token).ConfigureAwait(false);
                }
                else if (message.BodyCase == AgentMessage.BodyOneofCase.Result)
                {
                    await TakeResultAsync(connection, message, session.Token).ConfigureAwait(false);
                }
                else
                {
                    registry.Dispatch(message);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException || ex is RpcException { StatusCode: StatusCode.Cancelled })
        {
            LogStreamEnded(connection.Name, ex.GetType().Name);
        }
        finally
        {
            if (registry.Disconnected(connection))
            {
                await liveness.OfflineAsync(connection, CancellationToken.None).ConfigureAwait(false);
            }

            await session.CancelAsync().ConfigureAwait(false);
            await writer.ConfigureAwait(false);
            if (connection.ClosedByStop)
            {
                // Its stream is over and the agent is marked offline: nothing on this connection is left to wait for. Left open,
                // the server's graceful stop waits for each agent to close its connection, and with thousands of agents
                // retrying at once that took the whole shutdown timeout; the agent reconnects (to a replica) either way.
                context.GetHttpContext().Features.Get<IConnectionLifetimeFeature>()?.Abort();
            }
        }
    }

    /// <summary>
    /// A result goes to the step waiting for it, or, when none waits (the coordinator restarted or gave
    /// up on the step), is recorded as a late result. The agent may forget it once it is stored: a late
    /// result here and now; a deployment's step when its runner has recorded it (HostSteps.Acknowledge), so
    /// a crash between the two leaves the result on the agent, resent after the restart.
    /// </summary>
    private async Task TakeResultAsync(AgentConnection connection, AgentMessage message, CancellationToken ct)
    {
        if (registry.Dispatch(message, out var kind))
        {
            // A query or a ping: nothing of it is stored. An agent of protocol 2.5 or later keeps no ping's result, so it
            // gets no ack for one: at 10,000 agents that was a third of a no-op round's messages, each its own HTTP/2 frame
            // and TLS record on both sides.
            if (message.Result.DeploymentId.Length == 0 &&
                (kind != StepCommand.KindOneofCase.Ping || AgentProtocol.KeepsPingResults(connection.Hello.Protocol)))
            {
                registry.Acknowledge(connection.Name, message.Result.StepId);
            }

            return;
        }

        await lateResults.RecordAsync(connection.Name, message.Result, ct).ConfigureAwait(false);
        registry.Acknowledge(connection.Name, message.Result.StepId);
    }

    /// <summary>
    /// An agent before protocol 2.6 does not say whether its hello's toolchain is a probe's: it is when it names a tool
    /// (its first start's hello has only the app runner), so it is not listed as "not probed" forever.
    /// </summary>
    internal static void MarkProbe(AgentHello hello)
    {
        if (!AgentProtocol.ReportsProbe(hello.Protocol) && hello.Toolchain is { } toolchain &&
            new[] { toolchain.Elixir, toolchain.Otp, toolchain.Mix, toolchain.Asdf, toolchain.Git, toolchain.Hex, toolchain.Rebar3 }.Any(v => v.Length > 0))
        {
            toolchain.Probed = true;
        }
    }

    private static async Task WriteAsync(AgentConnection connection, IServerStreamWriter<CoordinatorMessage> stream, CancellationToken ct)
    {
        try
        {
            // Ends when the stream's end completes the outbox (AgentRegistry.Disconnected), not by cancellation: at a stop of
            // 10,000 streams each cancelled wait was two exceptions thrown. A write still in progress is cancelled.
            await foreach (var message in connection.Outbox.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                await stream.WriteAsync(message, ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The stream is gone; the reader side notices and cleans up.
        }
    }

    [LoggerMessage(EventId = 104, Level = LogLevel.Warning, Message = "Refused agent {Name}: it speaks agent protocol {Theirs}, this coordinator {Ours}")]
    private partial void LogProtocolRefused(string name, string theirs, string ours);

    [LoggerMessage(EventId = 102, Level = LogLevel.Debug, Message = "Stream of agent {Name} ended ({Reason})")]
    private partial void LogStreamEnded(string name, string reason);
}
