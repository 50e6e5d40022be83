using System.Text.Json;
using Akd.Contracts.V1;
using Akd.IntegrationTests.Fleet;
using Grpc.Core;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// Enrollment and agent identity on real processes over real TLS: a join token buys a certificate for
/// one name and its labels; nothing an agent says afterwards changes who it is.
/// </summary>
public sealed class TrustTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Cli = TimeSpan.FromSeconds(30);
    private LocalFleet _fleet = null!;

    public async Task InitializeAsync() => _fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None);

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 120_000)]
    public async Task Enroll_JoinTokenFileFromAkdctl_AgentOnlineWithTheTokensLabelsAndKeyKeptLocally()
    {
        // Arrange: the token as an operator gets it, into a file only they can read (--join-file keeps it out of ps).
        var name = $"web-new-{_fleet.Suffix}";
        var token = await _fleet.AkdctlAsync(_fleet.Root, Cli, "agents", "join-token", "--labels", "role=web,env=production", "--name", name);
        CliAssert.Succeeded(token);
        var joinFile = Path.Combine(_fleet.Root, $"{name}.join");
        Akd.Contracts.Trust.SecretFile.Write(joinFile, token.StdOut);

        // Act
        using var process = _fleet.Programs.StartAgent(_fleet.AgentCoordinatorUrl ?? _fleet.CoordinatorUrl, name, _fleet.DataDirOf(name), joinFile: joinFile);
        try
        {
            await _fleet.WaitForAgentStateAsync(name, AgentState.Online, CancellationToken.None);
        }
        finally
        {
            output.WriteLine($"===== {name} =====\n{process.Output}");
        }

        // Assert: the token is nowhere in the agent's command line; labels from the token; key 0600 on the agent's
        // host, never on the coordinator.
        Assert.DoesNotContain(token.StdOut.Trim(), File.ReadAllText($"/proc/{process.Pid}/cmdline"));
        // Nor does it (or the coordinator) watch files: the host's default reload-on-change watched the working directory and all under it
        // (under systemd, /: some 50,000 inotify watches and 36 MB).
        Assert.DoesNotContain(Directory.EnumerateFiles($"/proc/{process.Pid}/fdinfo"), WatchesFiles);
        Assert.DoesNotContain(Directory.EnumerateFiles($"/proc/{_fleet.Coordinator.Process.Pid}/fdinfo"), WatchesFiles);
        var agent = await AgentJsonAsync(name);
        Assert.Equal("production", agent.GetProperty("labels").GetProperty("env").GetString());
        var key = Path.Combine(_fleet.DataDirOf(name), "identity", "agent.key");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        var keyText = File.ReadAllText(key);
        Assert.DoesNotContain(Directory.EnumerateFiles(Path.Combine(_fleet.Root, "coordinator"), "*", SearchOption.AllDirectories),
            f => !f.EndsWith(".db", StringComparison.Ordinal) && File.ReadAllText(f).Contains(keyText, StringComparison.Ordinal));
    }

    /// <summary>True for an inotify descriptor with a watch; a descriptor closed since it was listed is none.</summary>
    private static bool WatchesFiles(string fdinfo)
    {
        try
        {
            return File.ReadAllText(fdinfo).Contains("inotify wd:", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    [Fact(Timeout = 120_000)]
    public async Task Enroll_TokenPinsAnotherCa_RefusedBeforeSendingAndNeverOnline()
    {
        // Arrange: a real token whose CA fingerprint is changed.
        var name = $"web-pin-{_fleet.Suffix}";
        var token = await _fleet.JoinTokenAsync("role=web", name);
        var forged = token[..^64] + new string('0', 64);

        // Act
        var agent = _fleet.StartAgentProcess(name, _fleet.DataDirOf(name), forged);
        await WaitForExitAsync(agent);

        // Assert
        Assert.Contains("does not present the CA the join token pins", agent.Output);
        Assert.Contains("the token was not sent", agent.Output);
        Assert.False(Directory.Exists(Path.Combine(_fleet.DataDirOf(name), "identity", "agent.crt")));
        Assert.DoesNotContain(name, (await _fleet.AkdctlAsync(_fleet.Root, Cli, "agents", "--output", "json")).StdOut);
    }

    [Fact(Timeout = 120_000)]
    public async Task Enroll_NameAlreadyEnrolled_RefusedAndTheRealAgentStaysOnline()
    {
        // Arrange: a valid token that allows any name, used to claim the web agent's name.
        var victim = _fleet.Web[0].Name;
        var real = _fleet.Agents[victim];
        var token = await _fleet.JoinTokenAsync("role=web");

        // Act
        var impostor = _fleet.StartAgentProcess(victim, Path.Combine(_fleet.Root, "impostor"), token);
        await WaitForExitAsync(impostor);

        // Assert
        Assert.Contains($"agent {victim} is already enrolled", impostor.Output);
        Assert.Equal("online", (await AgentJsonAsync(victim)).GetProperty("state").GetString());
        Assert.False(real.HasExited);
    }

    [Fact(Timeout = 120_000)]
    public async Task Connect_HelloClaimsAnotherNameOrLabels_NameRefusedLabelsIgnored()
    {
        // Arrange: the web agent's own certificate, in another client.
        var web = _fleet.Web[0];
        using var channel = TestChannel.AsAgent(_fleet.CoordinatorUrl, _fleet.CaFile, web.DataDir);
        var hub = new AgentHub.AgentHubClient(channel.Invoker);

        // Act 1: a hello as the build agent.
        using var takeover = hub.Connect();
        await takeover.RequestStream.WriteAsync(new AgentMessage { Hello = new AgentHello { Name = _fleet.BuildAgentName, Protocol = AgentProtocol.Current } });
        var refused = await Assert.ThrowsAsync<RpcException>(() => takeover.ResponseStream.MoveNext(CancellationToken.None));

        // Act 2: a hello under its own name that claims role=build.
        using var spoof = hub.Connect();
        var hello = new AgentHello { Name = web.Name, Protocol = AgentProtocol.Current };
        hello.Labels["role"] = "build";
        await spoof.RequestStream.WriteAsync(new AgentMessage { Hello = hello });
        Assert.True(await spoof.ResponseStream.MoveNext(CancellationToken.None));

        // Assert
        Assert.Equal(StatusCode.PermissionDenied, refused.StatusCode);
        Assert.Contains($"a hello as {_fleet.BuildAgentName} is refused", refused.Status.Detail);
        Assert.Equal("web", (await AgentJsonAsync(web.Name)).GetProperty("labels").GetProperty("role").GetString());
        await spoof.RequestStream.CompleteAsync();
    }

    [Fact(Timeout = 120_000)]
    public async Task Connect_NoCertificate_RefusedAndAnAgentWithoutJoinTokenNeverGetsOnline()
    {
        // Arrange
        using var channel = new TestChannel(_fleet.CoordinatorUrl, _fleet.CaFile);
        var name = $"build-fake-{_fleet.Suffix}";

        // Act: a raw stream without a certificate, and an agent started without --join.
        using var call = new AgentHub.AgentHubClient(channel.Invoker).Connect();
        var hello = new AgentHello { Name = name, Protocol = AgentProtocol.Current };
        hello.Labels["role"] = "build";
        try
        {
            await call.RequestStream.WriteAsync(new AgentMessage { Hello = hello });
        }
        catch (RpcException)
        {
            // The coordinator may refuse the call before the hello is written (the write then fails as Cancelled);
            // the response carries why.
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));
        var agent = _fleet.StartAgentProcess(name, _fleet.DataDirOf(name), join: null);
        await WaitForExitAsync(agent);

        // Assert
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Contains("start it once with --join-file FILE or --join TOKEN", agent.Output);
        Assert.DoesNotContain(name, (await _fleet.AkdctlAsync(_fleet.Root, Cli, "agents", "--output", "json")).StdOut);
    }

    [Fact(Timeout = 120_000)]
    public async Task Label_Admin_ChangesTheLabelsTheCoordinatorUses()
    {
        // Arrange
        var web = _fleet.Web[0].Name;

        // Act
        var label = await _fleet.AkdctlAsync(_fleet.Root, Cli, "agents", "label", web, "role=web", "env=staging");

        // Assert
        CliAssert.Succeeded(label);
        Assert.Equal("staging", (await AgentJsonAsync(web)).GetProperty("labels").GetProperty("env").GetString());
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_DeployEnvSecret_TargetGetsItAndTheBuildAgentNever()
    {
        // Arrange: a secret in deploy.env, and a before-build hook that records the build's environment.
        var app = HelloApp.CopyTo(_fleet.Root);
        var dump = Path.Combine(_fleet.Root, "build-env.txt");
        var hooks = $"hooks:\n  - name: dump\n    at: before-build\n    run: [\"sh\", \"-c\", \"env > {dump}\"]";
        var manifest = FleetManifest.Write(app, "akd.secret.yaml", "{ batch: 1 }", env: "{ PORT: \"4000\", SECRET_KEY_BASE: \"s3cret-value\" }", deployExtra: hooks);

        // Act
        var deploy = await _fleet.AkdctlAsync(app.Dir, TimeSpan.FromMinutes(5), "deploy", "-f", manifest);
        output.WriteLine(deploy.ToString());

        // Assert: the build ran without the value; the app on the target has it.
        CliAssert.Succeeded(deploy);
        Assert.True(File.Exists(dump), "the before-build hook ran");
        Assert.DoesNotContain("s3cret-value", File.ReadAllText(dump));
        var pid = _fleet.Web[0].RunState()?.Pid ?? throw new InvalidOperationException("no pid recorded for the deployed app");
        Assert.Contains("SECRET_KEY_BASE=s3cret-value", File.ReadAllText($"/proc/{pid}/environ").Split('\0'));
    }

    private async Task<JsonElement> AgentJsonAsync(string name)
    {
        var list = await _fleet.AkdctlAsync(_fleet.Root, Cli, "agents", "--output", "json");
        return list.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement)
            .Single(a => a.GetProperty("name").GetString() == name);
    }

    private static Task WaitForExitAsync(ManagedProcess process) => process.WaitForExitAsync();
}
