using System.Net;
using System.Security.Cryptography.X509Certificates;
using Akd.Contracts.V1;
using Akd.IntegrationTests.Fleet;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// The agent protocol's version at hello, against a real coordinator over real TLS: an agent of another
/// minor (with fields this coordinator does not know) is welcomed and works; another major is refused.
/// The agents here are hand-built streams presenting enrolled certificates, so the messages are exactly
/// what an agent of that version sends.
/// </summary>
public sealed class AgentProtocolTests(ITestOutputHelper output) : IAsyncLifetime
{
    private LocalFleet _fleet = null!;

    public async Task InitializeAsync() => _fleet = await LocalFleet.StartAsync(webAgents: 0, CancellationToken.None);

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 120_000)]
    public async Task Connect_AgentOfAnotherMinorWithUnknownFields_WelcomedAndAnswersAStep()
    {
        // Arrange: a hello and a step result as an agent one minor ahead builds them, each with a field
        // (number 99) this coordinator's code does not declare.
        var name = $"proto-{_fleet.Suffix}";
        var dir = await _fleet.EnrollIdentityAsync(name, "role=proto");
        var hello = AgentHello.Parser.ParseFrom(WithUnknownField(
            new AgentHello { Name = name, AgentVersion = "next", Protocol = new ProtocolVersion { Major = AgentProtocol.Major, Minor = AgentProtocol.Minor + 1 } }.ToByteArray(),
            "a field of the next minor"));
        using var agentChannel = TestChannel.AsAgent(_fleet.CoordinatorUrl, _fleet.CaFile, dir);
        using var call = new AgentHub.AgentHubClient(agentChannel.Invoker).Connect();
        using var admin = new TestChannel(_fleet.CoordinatorUrl, _fleet.CaFile, _fleet.AdminToken);

        // Act: connect, then let the coordinator send this agent a step (a ping) and answer it.
        await call.RequestStream.WriteAsync(new AgentMessage { Hello = hello });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var welcome = call.ResponseStream.Current.Welcome;
        var ping = new Admin.AdminClient(admin.Invoker).PingAgentsAsync(new PingAgentsRequest { Selector = "role=proto", TimeoutMs = 30_000 }).ResponseAsync;
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var step = call.ResponseStream.Current.RunStep;
        var result = StepResult.Parser.ParseFrom(WithUnknownField(new StepResult { StepId = step.StepId, Ok = true }.ToByteArray(), "a result detail of the next minor"));
        await call.RequestStream.WriteAsync(new AgentMessage { Result = result });
        var answered = await ping;
        await call.RequestStream.CompleteAsync();

        // Assert: the coordinator skipped what it did not know, said its version, and counted the answer.
        Assert.Equal(AgentProtocol.Major, welcome.Protocol.Major);
        Assert.Equal(AgentProtocol.Minor, welcome.Protocol.Minor);
        Assert.Equal(StepCommand.KindOneofCase.Ping, step.KindCase);
        Assert.Equal((1, 1), (answered.Agents, answered.Answered));
    }

    [Fact(Timeout = 120_000)]
    public async Task PingAgents_AgentOfTheMinorBeforeUnkeptPings_GetsItsAckAndTheCurrentMinorNone()
    {
        // Arrange: two hand-built agents answering a round of pings: one of the minor before 2.5 (it keeps a ping's
        // result until the coordinator acknowledges it, and resends it after each reconnect until then), one current.
        using var admin = new TestChannel(_fleet.CoordinatorUrl, _fleet.CaFile, _fleet.AdminToken);
        var older = await ConnectAsync($"older-{_fleet.Suffix}", AgentProtocol.PingResultsUnkeptSince - 1);
        var current = await ConnectAsync($"current-{_fleet.Suffix}", AgentProtocol.Minor);

        // Act: a round; each answers its ping, then sends a heartbeat, whose reply comes after any ack of the result
        // (the coordinator handles one agent's messages in order, and queues its replies in that order).
        var round = new Admin.AdminClient(admin.Invoker).PingAgentsAsync(new PingAgentsRequest { Selector = "role=acks", TimeoutMs = 30_000 }).ResponseAsync;
        var olderNext = await AnswerPingAsync(older);
        var currentNext = await AnswerPingAsync(current);
        var answered = await round;

        // Assert: both counted; the older agent got the ack it waits for before the heartbeat's reply, the current one went straight to it.
        Assert.Equal((2, 2), (answered.Agents, answered.Answered));
        Assert.Equal(
            [CoordinatorMessage.BodyOneofCase.ResultAck, CoordinatorMessage.BodyOneofCase.Heartbeat],
            olderNext.Select(m => m.BodyCase));
        Assert.Equal(older.Ping, olderNext[0].ResultAck.StepId);
        Assert.Equal([CoordinatorMessage.BodyOneofCase.Heartbeat], currentNext.Select(m => m.BodyCase));
        foreach (var agent in new[] { older, current })
        {
            await agent.Call.RequestStream.CompleteAsync();
            agent.Call.Dispose();
            agent.Channel.Dispose();
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Agents_ToolchainNotProbedYetThenProbed_TableSaysNotKnownThenTheVersions()
    {
        // Arrange: a current agent's first start (it connects before probing: its hello names only how the host runs apps),
        // and an agent of the minor before the probed flag whose hello names the tools its last probe found.
        var fresh = await ConnectAsync($"fresh-{_fleet.Suffix}", AgentProtocol.Minor, new Toolchain { AppRunner = "detached" });
        var older = await ConnectAsync($"older-{_fleet.Suffix}", AgentProtocol.ProbedToolchainSince - 1, new Toolchain { Elixir = "1.14.0", Otp = "25", AppRunner = "detached" });

        // Act: `akdctl agents` before the fresh agent's probe, then after it sent the probe's result (the heartbeat's reply
        // comes only once the coordinator stored it: it handles one agent's messages in order).
        var before = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(30), "agents");
        await fresh.Call.RequestStream.WriteAsync(new AgentMessage { Toolchain = new Toolchain { Elixir = "1.15.7", Otp = "26", AppRunner = "detached", Probed = true } });
        await fresh.Call.RequestStream.WriteAsync(new AgentMessage { Heartbeat = new Heartbeat() });
        Assert.True(await fresh.Call.ResponseStream.MoveNext(CancellationToken.None));
        var after = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(30), "agents");

        // Assert: "?" (not known yet), never "-" (none), until the probe; the older agent's tools are taken as probed.
        CliAssert.Succeeded(before);
        CliAssert.Succeeded(after);
        string[] Cells(CliResult listing, string agent) =>
            listing.StdOut.Split('\n').Single(line => line.Contains(agent, StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(5, Cells(before, fresh.Name).Count(cell => cell == ToolchainCells.NotProbed));
        Assert.DoesNotContain("-", Cells(before, fresh.Name));
        Assert.Contains("1.15.7", Cells(after, fresh.Name));
        Assert.DoesNotContain(ToolchainCells.NotProbed, Cells(after, fresh.Name));
        Assert.Contains("1.14.0", Cells(before, older.Name));
        Assert.DoesNotContain(ToolchainCells.NotProbed, Cells(before, older.Name));
        foreach (var agent in new[] { fresh, older })
        {
            await agent.Call.RequestStream.CompleteAsync();
            agent.Call.Dispose();
            agent.Channel.Dispose();
        }
    }

    private sealed class HandBuiltAgent(string name, TestChannel channel, AsyncDuplexStreamingCall<AgentMessage, CoordinatorMessage> call)
    {
        public string Name => name;

        public TestChannel Channel => channel;

        public AsyncDuplexStreamingCall<AgentMessage, CoordinatorMessage> Call => call;

        public string Ping { get; set; } = "";
    }

    private async Task<HandBuiltAgent> ConnectAsync(string name, uint minor, Toolchain? toolchain = null)
    {
        var dir = await _fleet.EnrollIdentityAsync(name, "role=acks");
        var channel = TestChannel.AsAgent(_fleet.CoordinatorUrl, _fleet.CaFile, dir);
        var call = new AgentHub.AgentHubClient(channel.Invoker).Connect();
        await call.RequestStream.WriteAsync(new AgentMessage
        {
            Hello = new AgentHello { Name = name, AgentVersion = $"2.{minor}", Protocol = new ProtocolVersion { Major = AgentProtocol.Major, Minor = minor }, Toolchain = toolchain },
        });
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Equal(CoordinatorMessage.BodyOneofCase.Welcome, call.ResponseStream.Current.BodyCase);
        return new HandBuiltAgent(name, channel, call);
    }

    /// <summary>Answers the ping that comes, sends a heartbeat, and returns what the coordinator sent up to the heartbeat's reply.</summary>
    private static async Task<List<CoordinatorMessage>> AnswerPingAsync(HandBuiltAgent agent)
    {
        Assert.True(await agent.Call.ResponseStream.MoveNext(CancellationToken.None));
        var step = agent.Call.ResponseStream.Current.RunStep;
        Assert.Equal(StepCommand.KindOneofCase.Ping, step.KindCase);
        agent.Ping = step.StepId;
        await agent.Call.RequestStream.WriteAsync(new AgentMessage { Result = new StepResult { StepId = step.StepId, Ok = true } });
        await agent.Call.RequestStream.WriteAsync(new AgentMessage { Heartbeat = new Heartbeat() });
        var next = new List<CoordinatorMessage>();
        do
        {
            Assert.True(await agent.Call.ResponseStream.MoveNext(CancellationToken.None));
            next.Add(agent.Call.ResponseStream.Current);
        }
        while (next[^1].BodyCase != CoordinatorMessage.BodyOneofCase.Heartbeat);

        return next;
    }

    [Fact(Timeout = 120_000)]
    public async Task Connect_AgentOfAnotherMajor_RefusedAtHelloNamingBothVersions()
    {
        // Arrange: an agent from before the protocol had a version (reads as 1.0), and one of the next major.
        var name = $"proto-{_fleet.Suffix}";
        var dir = await _fleet.EnrollIdentityAsync(name, "role=proto");
        using var channel = TestChannel.AsAgent(_fleet.CoordinatorUrl, _fleet.CaFile, dir);
        var hub = new AgentHub.AgentHubClient(channel.Invoker);
        var current = $"{AgentProtocol.Major}.{AgentProtocol.Minor}";

        // Act
        var unversioned = await HelloAsync(hub, new AgentHello { Name = name });
        var next = await HelloAsync(hub, new AgentHello { Name = name, Protocol = new ProtocolVersion { Major = AgentProtocol.Major + 1, Minor = 3 } });

        // Assert
        Assert.Equal(StatusCode.FailedPrecondition, unversioned.StatusCode);
        Assert.Contains($"agent {name} speaks agent protocol 1.0 and this coordinator {current}", unversioned.Status.Detail);
        Assert.Equal(current, unversioned.Trailers.GetValue(AgentProtocol.RefusedTrailer));
        Assert.Equal(StatusCode.FailedPrecondition, next.StatusCode);
        Assert.Contains($"speaks agent protocol {AgentProtocol.Major + 1}.3 and this coordinator {current}", next.Status.Detail);
    }

    [Fact(Timeout = 120_000)]
    public async Task Agent_CoordinatorFromBeforeVersions_StopsWithExitCode3NamingBothVersions()
    {
        // Arrange: an enrolled agent, and in place of its coordinator one from before the protocol had a
        // version (a welcome without one reads 1.0), on the real coordinator's TLS certificate.
        var name = $"proto-{_fleet.Suffix}";
        var dir = await _fleet.EnrollIdentityAsync(name, "role=proto");
        var port = Ports.Free();
        await using var old = await StartCoordinatorBeforeVersionsAsync(port);

        // Act
        using var agent = _fleet.Programs.StartAgent($"https://127.0.0.1:{port}", name, dir);
        await agent.WaitForExitAsync();
        output.WriteLine(agent.Output);

        // Assert: no reconnect loop; the log says why, with both versions.
        Assert.Equal(3, agent.ExitCode);
        Assert.Contains($"speaks agent protocol 1.0 and this agent {AgentProtocol.Major}.{AgentProtocol.Minor}: the major versions differ", agent.Output);
    }

    private async Task<WebApplication> StartCoordinatorBeforeVersionsAsync(int port)
    {
        var pki = Path.Combine(_fleet.Root, "coordinator", "pki");
        using var pem = X509Certificate2.CreateFromPemFile(Path.Combine(pki, "server.crt"), Path.Combine(pki, "server.key"));
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, listen =>
        {
            listen.Protocols = HttpProtocols.Http2;
            listen.UseHttps(new HttpsConnectionAdapterOptions
            {
                ServerCertificate = certificate,
                ClientCertificateMode = ClientCertificateMode.AllowCertificate,
                ClientCertificateValidation = (_, _, _) => true,
            });
        }));
        builder.Services.AddGrpc();
        var app = builder.Build();
        app.MapGrpcService<CoordinatorBeforeVersions>();
        await app.StartAsync();
        return app;
    }

    /// <summary>The agent stream as a coordinator of protocol 1 served it: a welcome that names no protocol version.</summary>
    private sealed class CoordinatorBeforeVersions : AgentHub.AgentHubBase
    {
        public override async Task Connect(IAsyncStreamReader<AgentMessage> requestStream, IServerStreamWriter<CoordinatorMessage> responseStream, ServerCallContext context)
        {
            if (!await requestStream.MoveNext(context.CancellationToken))
            {
                return;
            }

            await responseStream.WriteAsync(new CoordinatorMessage { Welcome = new Welcome { CoordinatorVersion = "0.0.9", HeartbeatSeconds = 5 } });
            try
            {
                while (await requestStream.MoveNext(context.CancellationToken))
                {
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or RpcException)
            {
            }
        }
    }

    private static async Task<RpcException> HelloAsync(AgentHub.AgentHubClient hub, AgentHello hello)
    {
        using var call = hub.Connect();
        await call.RequestStream.WriteAsync(new AgentMessage { Hello = hello });
        return await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
    }

    /// <summary><paramref name="message"/> followed by a length-delimited field number 99, which no message of this build declares.</summary>
    private static byte[] WithUnknownField(byte[] message, string value)
    {
        using var buffer = new MemoryStream();
        buffer.Write(message);
        using var output = new CodedOutputStream(buffer, leaveOpen: true);
        output.WriteTag(99, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
        output.Flush();
        return buffer.ToArray();
    }
}
