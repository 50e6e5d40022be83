using System.Security.Cryptography;
using Akd.Contracts.V1;
using Akd.IntegrationTests.Fleet;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// Every RPC of the coordinator, called as each kind of caller, against the matrix the product
/// promises: fail closed, agents only where agents work, operators by role.
/// </summary>
public sealed class RoleMatrixTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Anonymous = "anonymous";
    private const string Revoked = "revoked agent";
    private const string Agent = "agent";
    private const string Viewer = "viewer";
    private const string Deployer = "deployer";
    private const string Admin = "admin";

    private static readonly string[] Callers = [Anonymous, Revoked, Agent, Viewer, Deployer, Admin];

    /// <summary>What the matrix uploads: small, and the same bytes every time (stored once).</summary>
    private static readonly byte[] UploadBytes = "role matrix upload\n"u8.ToArray();

    /// <summary>Who may call what (everyone else is refused): the contract, written out independently of the coordinator's table.</summary>
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["akd.v1.AgentHub/Connect"] = [Agent],
        ["akd.v1.Enrollment/Enroll"] = [],
        ["akd.v1.Artifacts/Upload"] = [Agent, Deployer, Admin],
        ["akd.v1.Artifacts/Download"] = [Agent, Deployer, Admin],
        ["akd.v1.Artifacts/Stat"] = [Agent, Deployer, Admin],
        ["akd.v1.Artifacts/Follow"] = [Agent, Deployer, Admin],
        ["akd.v1.Control/Deploy"] = [Deployer, Admin],
        ["akd.v1.Control/CheckDeploy"] = [Deployer, Admin],
        ["akd.v1.Control/Rollback"] = [Deployer, Admin],
        ["akd.v1.Control/ControlApp"] = [Deployer, Admin],
        ["akd.v1.Control/CancelDeployment"] = [Deployer, Admin],
        ["akd.v1.Control/WatchDeployment"] = [Viewer, Deployer, Admin],
        ["akd.v1.Control/GetDeployment"] = [Viewer, Deployer, Admin],
        ["akd.v1.Control/ListDeployments"] = [Viewer, Deployer, Admin],
        ["akd.v1.Control/ListAgents"] = [Viewer, Deployer, Admin],
        ["akd.v1.Control/ListReleases"] = [Viewer, Deployer, Admin],
        ["akd.v1.Control/GetUpgradeBase"] = [Deployer, Admin],
        ["akd.v1.Admin/PingAgents"] = [Admin],
        ["akd.v1.AgentAccess/CreateJoinToken"] = [Admin],
        ["akd.v1.AgentAccess/LabelAgent"] = [Admin],
        ["akd.v1.AgentAccess/RevokeAgent"] = [Admin],
        ["akd.v1.AgentAccess/RemoveAgent"] = [Admin],
        ["akd.v1.Tokens/CreateToken"] = [Admin],
        ["akd.v1.Tokens/ListTokens"] = [Admin],
        ["akd.v1.Tokens/RevokeToken"] = [Admin],
    };

    private LocalFleet _fleet = null!;

    public async Task InitializeAsync() => _fleet = await LocalFleet.StartAsync(webAgents: 0, CancellationToken.None);

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 300_000)]
    public async Task EveryRpc_EveryKindOfCaller_AnsweredAsTheMatrixSays()
    {
        // Arrange: one caller of each kind. Harmless requests: the point is whether the call gets past identity.
        var agentName = $"matrix-agent-{_fleet.Suffix}";
        var revokedName = $"matrix-revoked-{_fleet.Suffix}";
        var agentDir = await _fleet.EnrollIdentityAsync(agentName, "role=matrix");
        var revokedDir = await _fleet.EnrollIdentityAsync(revokedName, "role=matrix");
        Assert.Equal(0, (await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(30), "agents", "revoke", revokedName)).ExitCode);
        var viewer = await TokenAsync("matrix-viewer", "viewer");
        var deployer = await TokenAsync("matrix-deployer", "deployer");
        var channels = new Dictionary<string, TestChannel>
        {
            [Anonymous] = new(_fleet.CoordinatorUrl, _fleet.CaFile),
            [Revoked] = TestChannel.AsAgent(_fleet.CoordinatorUrl, _fleet.CaFile, revokedDir),
            [Agent] = TestChannel.AsAgent(_fleet.CoordinatorUrl, _fleet.CaFile, agentDir),
            [Viewer] = new(_fleet.CoordinatorUrl, _fleet.CaFile, viewer),
            [Deployer] = new(_fleet.CoordinatorUrl, _fleet.CaFile, deployer),
            [Admin] = new(_fleet.CoordinatorUrl, _fleet.CaFile, _fleet.AdminToken),
        };
        var calls = Calls(agentName);
        var everyRpc = new[] { AgentHub.Descriptor, Artifacts.Descriptor, Control.Descriptor, Contracts.V1.Admin.Descriptor, Enrollment.Descriptor, AgentAccess.Descriptor, Tokens.Descriptor }
            .SelectMany(s => s.Methods).Select(m => $"{m.Service.FullName}/{m.Name}").Order().ToList();

        // Act
        var mismatches = new List<string>();
        foreach (var method in everyRpc)
        {
            foreach (var caller in Callers)
            {
                var status = await StatusOfAsync(calls[method], channels[caller].Invoker);
                var refused = status is StatusCode.Unauthenticated or StatusCode.PermissionDenied;
                var expectAllowed = Allowed[method].Contains(caller);
                output.WriteLine($"{method,-40} {caller,-14} {status}");
                if (refused == expectAllowed)
                {
                    mismatches.Add($"{method} as {caller}: {status}, expected {(expectAllowed ? "allowed" : "refused")}");
                }
            }
        }

        foreach (var channel in channels.Values)
        {
            channel.Dispose();
        }

        // Assert: the matrix covers every RPC, and every answer matches it.
        Assert.Equal(everyRpc, Allowed.Keys.Order());
        Assert.Empty(mismatches);
    }

    private async Task<string> TokenAsync(string name, string role)
    {
        var created = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(30), "tokens", "create", name, "--role", role);
        CliAssert.Succeeded(created);
        return created.StdOut.Trim();
    }

    private static async Task<StatusCode> StatusOfAsync(Func<CallInvoker, Task> call, CallInvoker invoker)
    {
        try
        {
            await call(invoker);
            return StatusCode.OK;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied && ex.Status.Detail.Contains("runs no step that needs artifact", StringComparison.Ordinal))
        {
            // Past identity and role: refused by the artifact rule (a step must need it), which ArtifactTransferTests covers.
            return StatusCode.NotFound;
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.PermissionDenied && ex.Status.Detail.Contains("may not upload: build step", StringComparison.Ordinal))
        {
            // Past identity and role: refused by the upload's binding to a running build step, which ArtifactTransferTests covers.
            return StatusCode.FailedPrecondition;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    /// <summary>One harmless call per RPC: unknown ids and names, invalid input, or a read.</summary>
    private static Dictionary<string, Func<CallInvoker, Task>> Calls(string agentName) => new()
    {
        ["akd.v1.AgentHub/Connect"] = async i =>
        {
            using var call = new AgentHub.AgentHubClient(i).Connect();
            try
            {
                await call.RequestStream.WriteAsync(new AgentMessage { Hello = new AgentHello { Name = agentName, Protocol = AgentProtocol.Current } });
            }
            catch (RpcException)
            {
                // The coordinator may refuse the call before the hello is written; the response carries why.
            }

            await call.ResponseStream.MoveNext(CancellationToken.None);
            await call.RequestStream.CompleteAsync();
        },
        ["akd.v1.Enrollment/Enroll"] = async i => await new Enrollment.EnrollmentClient(i).EnrollAsync(new EnrollRequest { Name = "x" }),
        ["akd.v1.Artifacts/Upload"] = async i =>
        {
            // A whole upload (header, bytes, digest) naming a build step: an agent's upload is bound to the build step
            // it runs (this one runs none, so the binding refuses it, past identity and role); an operator's is bound to none.
            using var call = new Artifacts.ArtifactsClient(i).Upload();
            try
            {
                await call.RequestStream.WriteAsync(new UploadRequest { Header = new UploadHeader { Size = UploadBytes.Length, Kind = "source", StepId = "matrix-build-step" } });
                await call.RequestStream.WriteAsync(new UploadRequest { Data = ByteString.CopyFrom(UploadBytes) });
                await call.RequestStream.WriteAsync(new UploadRequest { Sha256 = Convert.ToHexStringLower(SHA256.HashData(UploadBytes)) });
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException)
            {
                // Refused before the coordinator read the stream: a write may fail (as cancelled) while the
                // coordinator's answer is on its way; the call's own status, below, says why.
            }

            await call.ResponseAsync;
        },
        ["akd.v1.Artifacts/Download"] = async i =>
        {
            using var call = new Artifacts.ArtifactsClient(i).Download(new DownloadRequest { Sha256 = new string('a', 64) });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        },
        ["akd.v1.Artifacts/Follow"] = async i =>
        {
            using var call = new Artifacts.ArtifactsClient(i).Follow(new FollowRequest { UploadId = "no-such-upload" });
            await call.ResponseStream.MoveNext(CancellationToken.None);
        },
        ["akd.v1.Artifacts/Stat"] = async i => await new Artifacts.ArtifactsClient(i).StatAsync(new ArtifactRef { Sha256 = new string('a', 64) }),
        ["akd.v1.Control/Deploy"] = async i => await Drain(new Control.ControlClient(i).Deploy(new DeployRequest { ManifestYaml = "app: [" }).ResponseStream),
        ["akd.v1.Control/CheckDeploy"] = async i => await new Control.ControlClient(i).CheckDeployAsync(new CheckDeployRequest { Deploy = new DeployRequest { ManifestYaml = "app: [" } }),
        ["akd.v1.Control/Rollback"] = async i => await Drain(new Control.ControlClient(i).Rollback(new RollbackRequest { App = "no-such-app" }).ResponseStream),
        ["akd.v1.Control/ControlApp"] = async i => await Drain(new Control.ControlClient(i).ControlApp(new ControlAppRequest { App = "no-such-app", Action = DeploymentKind.Deploy }).ResponseStream),
        ["akd.v1.Control/CancelDeployment"] = async i => await new Control.ControlClient(i).CancelDeploymentAsync(new CancelDeploymentRequest { Id = "no-such-id" }),
        ["akd.v1.Control/WatchDeployment"] = async i => await Drain(new Control.ControlClient(i).WatchDeployment(new WatchDeploymentRequest { Id = "no-such-id" }).ResponseStream),
        ["akd.v1.Control/GetDeployment"] = async i => await new Control.ControlClient(i).GetDeploymentAsync(new GetDeploymentRequest { Id = "no-such-id" }),
        ["akd.v1.Control/ListDeployments"] = async i => await new Control.ControlClient(i).ListDeploymentsAsync(new ListDeploymentsRequest()),
        ["akd.v1.Control/ListAgents"] = async i => await new Control.ControlClient(i).ListAgentsAsync(new ListAgentsRequest()),
        ["akd.v1.Control/ListReleases"] = async i => await new Control.ControlClient(i).ListReleasesAsync(new ListReleasesRequest { App = "no-such-app" }),
        ["akd.v1.Control/GetUpgradeBase"] = async i => await new Control.ControlClient(i).GetUpgradeBaseAsync(new UpgradeBaseRequest { ManifestYaml = "app: [" }),
        ["akd.v1.Admin/PingAgents"] = async i => await new Contracts.V1.Admin.AdminClient(i).PingAgentsAsync(new PingAgentsRequest { Selector = "role=nothing", TimeoutMs = 1000 }),
        ["akd.v1.AgentAccess/CreateJoinToken"] = async i => await new AgentAccess.AgentAccessClient(i).CreateJoinTokenAsync(new CreateJoinTokenRequest { Name = "not a name!" }),
        ["akd.v1.AgentAccess/LabelAgent"] = async i => await new AgentAccess.AgentAccessClient(i).LabelAgentAsync(new LabelAgentRequest { Name = "no-such-agent" }),
        ["akd.v1.AgentAccess/RevokeAgent"] = async i => await new AgentAccess.AgentAccessClient(i).RevokeAgentAsync(new AgentNameRequest { Name = "no-such-agent" }),
        ["akd.v1.AgentAccess/RemoveAgent"] = async i => await new AgentAccess.AgentAccessClient(i).RemoveAgentAsync(new AgentNameRequest { Name = "no-such-agent" }),
        ["akd.v1.Tokens/CreateToken"] = async i => await new Tokens.TokensClient(i).CreateTokenAsync(new CreateTokenRequest { Name = "not a name!", Role = "viewer" }),
        ["akd.v1.Tokens/ListTokens"] = async i => await new Tokens.TokensClient(i).ListTokensAsync(new ListTokensRequest()),
        ["akd.v1.Tokens/RevokeToken"] = async i => await new Tokens.TokensClient(i).RevokeTokenAsync(new RevokeTokenRequest { Name = "no-such-token" }),
    };

    private static async Task Drain<T>(IAsyncStreamReader<T> stream)
    {
        while (await stream.MoveNext(CancellationToken.None))
        {
        }
    }
}
