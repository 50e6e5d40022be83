using System.Text.Json;
using Akd.Contracts.V1;
using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// Each app in its own sandbox: two deploy paths of examples/hello on one agent that runs with per-app users
/// (CI runs as root, so the agent creates them). From inside each running VM (<c>bin/hello rpc</c>, which
/// evaluates in the app's own VM) the app shows its uid is its own, and that the agent's config file and key
/// and the other app's <c>shared/.env</c> are closed to it; the same for two deploys of the <c>source</c> strategy, whose
/// VMs run <c>mix run</c> from their releases. Skipped with the reason where the tests do not run as root.
/// </summary>
public sealed class AppSandboxTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(5);
    private LocalFleet _fleet = null!;
    private HelloApp _app = null!;

    /// <summary>The users the agent made for the apps, removed afterwards: each run's temp deploy paths get new ones.</summary>
    private readonly List<string> _users = [];

    public async Task InitializeAsync()
    {
        _fleet = await LocalFleet.StartAsync(new FleetOptions(), CancellationToken.None);
        _app = HelloApp.CopyTo(_fleet.Root);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
        foreach (var user in _users)
        {
            await Tool.RunAsync("userdel", [user], "/");
        }
    }

    [SkippableFact(Timeout = 900_000)]
    public async Task Deploy_TwoAppsOnOneAgent_EachRunsAsItsOwnUserAndCannotReadTheAgentsOrTheOthersFiles()
    {
        // Arrange: one web agent with per-app users and a config file of its own (as /etc/akd/agent.json would be).
        Skip.IfNot(Environment.UserName == "root", "per-app users need an agent running as root here (CI runs as root)");
        var (dataDir, config) = await StartAgentAsync();
        var (portA, portB) = (Ports.Free(), Ports.Free());
        var hook = "hooks: [{ name: whoami, at: after-activate, run: [\"sh\", \"-c\", \"id -u > tmp/hook-uid\"] }]";

        // Act: two deploy paths of hello, each on its own port.
        foreach (var (path, port) in new[] { ("apps/hello-a", portA), ("apps/hello-b", portB) })
        {
            var manifest = _app.WriteManifest($"akd-{Path.GetFileName(path)}.yaml", FleetManifest.Yaml(
                "{ batch: 1 }", env: $"{{ PORT: \"{port}\" }}").Replace("path: apps/hello", $"path: {path}") + "\n" + hook + "\n");
            var deploy = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest);
            output.WriteLine(deploy.ToString());
            CliAssert.Succeeded(deploy);
        }

        // Assert: both serve, each VM as its own user (not root), its hook too, and neither reads what is not its own.
        var a = Path.Combine(dataDir, "apps", "hello-a");
        var b = Path.Combine(dataDir, "apps", "hello-b");
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(portA));
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(portB));
        var key = Path.Combine(dataDir, "identity", "agent.key");
        var fromA = await ProbeAsync(a, [config, key, Path.Combine(b, "shared", ".env"), Path.Combine(b, "current", "releases", "0.1.0", "sys.config")]);
        var fromB = await ProbeAsync(b, [config, key, Path.Combine(a, "shared", ".env")]);
        output.WriteLine($"hello-a: {string.Join(", ", fromA)}\nhello-b: {string.Join(", ", fromB)}");

        var (uidA, uidB) = await DistinctAppUsersAsync(a, b);
        Assert.Equal([$"uid {uidA}", "eacces", "eacces", "eacces", "eacces"], fromA);
        Assert.Equal([$"uid {uidB}", "eacces", "eacces", "eacces"], fromB);
        Assert.Equal(uidA.ToString(), File.ReadAllText(Path.Combine(a, "current", "tmp", "hook-uid")).Trim());
    }

    /// <summary>The owners of the two apps' tmp/ (their users): app users of akd's, neither root, not the same.</summary>
    private async Task<(int A, int B)> DistinctAppUsersAsync(string a, string b)
    {
        var uidA = await OwnerOfAsync(Path.Combine(a, "current", "tmp"));
        var uidB = await OwnerOfAsync(Path.Combine(b, "current", "tmp"));
        Assert.All(_users, u => Assert.StartsWith("akd-app-hello-", u));
        Assert.NotEqual(0, uidA);
        Assert.NotEqual(0, uidB);
        Assert.NotEqual(uidA, uidB);
        return (uidA, uidB);
    }

    [SkippableFact(Timeout = 900_000)]
    public async Task Deploy_TwoSourceAppsOnOneAgent_EachRunsMixAsItsOwnUserAndCannotReadTheAgentsOrTheOthersFiles()
    {
        // Arrange: the same agent; hello deployed from source twice (the system's Elixir), each VM a named node.
        Skip.IfNot(Environment.UserName == "root", "per-app users need an agent running as root here (CI runs as root)");
        var (dataDir, config) = await StartAgentAsync();
        var cookie = $"akd-sbx-{_fleet.Suffix}";
        var host = Environment.MachineName.Split('.')[0];
        var apps = new[] { ("hello-src-a", Ports.Free()), ("hello-src-b", Ports.Free()) };

        // Act
        foreach (var (path, port) in apps)
        {
            var manifest = _app.WriteManifest($"akd-{path}.yaml", $$"""
                app: hello
                strategy: source
                source: { path: . }
                build: { toolchain: system, mix_env: prod }
                deploy:
                  to: { role: web }
                  path: apps/{{path}}
                  env: { PORT: "{{port}}", ELIXIR_ERL_OPTIONS: "-sname {{Node(path)}} -setcookie {{cookie}}" }
                health: { http: "http://127.0.0.1:${PORT}/health", timeout: 60s, interval: 200ms }

                """);
            var deploy = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest);
            output.WriteLine(deploy.ToString());
            CliAssert.Succeeded(deploy);
        }

        // Assert: both serve; from inside each VM (mix run, as its user) its uid is its own, the agent's files and
        // the other's shared/.env are closed, and its release is read-only but for tmp/.
        var a = Path.Combine(dataDir, "apps", "hello-src-a");
        var b = Path.Combine(dataDir, "apps", "hello-src-b");
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(apps[0].Item2));
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(apps[1].Item2));
        var key = Path.Combine(dataDir, "identity", "agent.key");
        var fromA = await ProbeSourceAsync($"{Node("hello-src-a")}@{host}", cookie, [config, key, Path.Combine(b, "shared", ".env"), Path.Combine(b, "current", "mix.exs")]);
        var fromB = await ProbeSourceAsync($"{Node("hello-src-b")}@{host}", cookie, [config, key, Path.Combine(a, "shared", ".env")]);
        output.WriteLine($"hello-src-a: {string.Join(", ", fromA)}\nhello-src-b: {string.Join(", ", fromB)}");

        var (uidA, uidB) = await DistinctAppUsersAsync(a, b);
        Assert.Equal([$"uid {uidA}", "eacces", "eacces", "eacces", "eacces", "write mix.exs: eacces", "write tmp: ok"], fromA);
        Assert.Equal([$"uid {uidB}", "eacces", "eacces", "eacces", "write mix.exs: eacces", "write tmp: ok"], fromB);
    }

    /// <summary>The agent of these tests: per-app users on, and a config file of its own holding an app's secret.</summary>
    private async Task<(string DataDir, string Config)> StartAgentAsync()
    {
        var name = $"web-sbx-{_fleet.Suffix}";
        var config = Path.Combine(_fleet.Root, "agent.json");
        await File.WriteAllTextAsync(config, """{ "Agent": { "Apps": { "hello": { "Env": { "SECRET_KEY_BASE": "not-for-other-apps" } } } } }""");
        await _fleet.StartAgentWithConfigAsync(name, "role=web", new Dictionary<string, string> { ["AKD_Agent__AppUsers"] = "true" }, config);
        await _fleet.WaitForAgentStateAsync(name, AgentState.Online, CancellationToken.None);
        return (_fleet.DataDirOf(name), config);
    }

    private string Node(string deployPath) => $"{deployPath.Replace('-', '_')}_{_fleet.Suffix}";

    /// <summary>
    /// Evaluates in the source app's VM (<c>elixir --rpc-eval</c> over distribution, so the code runs as the app's
    /// user): "uid N", per file what File.read/1 gave, then whether it may write its release and its tmp/.
    /// </summary>
    private async Task<List<string>> ProbeSourceAsync(string node, string cookie, string[] files)
    {
        var list = string.Join(", ", files.Select(f => $"\"{f}\""));
        var code = $$"""
            [uid] = Regex.run(~r/^Uid:\s+(\d+)/m, File.read!("/proc/self/status"), capture: :all_but_first)
            IO.puts("uid " <> uid)
            for f <- [{{list}}], do: IO.puts(case File.read(f) do {:ok, _} -> "ok"; {:error, r} -> Atom.to_string(r) end)
            IO.puts("write mix.exs: " <> case File.write("mix.exs", "", [:append]) do :ok -> "ok"; {:error, r} -> Atom.to_string(r) end)
            IO.puts("write tmp: " <> case File.write("tmp/probe", "x") do :ok -> "ok"; {:error, r} -> Atom.to_string(r) end)
            """;
        var (exit, text) = await Tool.RunAsync("elixir", ["--sname", $"probe_{_fleet.Suffix}", "--cookie", cookie, "--rpc-eval", node, code], _fleet.Root);
        output.WriteLine($"elixir --rpc-eval {node} exited {exit}:\n{text}");
        Assert.Equal(0, exit);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    /// <summary>
    /// Runs <c>bin/hello rpc</c> against the VM of <paramref name="deployPath"/>: the code runs in that VM, as its user.
    /// Returns "uid N", then per file what File.read/1 gave: "ok" or the error (eacces).
    /// </summary>
    private async Task<List<string>> ProbeAsync(string deployPath, string[] files)
    {
        using var state = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(deployPath, "shared", ".akd-run.json")));
        var node = state.RootElement.GetProperty("Env").GetProperty("RELEASE_NODE").GetString()!;
        var list = string.Join(", ", files.Select(f => $"\"{f}\""));
        var code = $$"""
            [uid] = Regex.run(~r/^Uid:\s+(\d+)/m, File.read!("/proc/self/status"), capture: :all_but_first)
            IO.puts("uid " <> uid)
            for f <- [{{list}}], do: IO.puts(case File.read(f) do {:ok, _} -> "ok"; {:error, r} -> Atom.to_string(r) end)
            """;
        var current = Path.Combine(deployPath, "current");
        var (exit, text) = await Tool.RunAsync(Path.Combine(current, "bin", "hello"), ["rpc", code], current,
            new Dictionary<string, string> { ["RELEASE_NODE"] = node, ["RELEASE_TMP"] = Path.Combine(_fleet.Root, "rpc-tmp") });
        output.WriteLine($"bin/hello rpc in {deployPath} exited {exit}:\n{text}");
        Assert.Equal(0, exit);
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
    }

    /// <summary>The uid owning <paramref name="path"/>; its user's name is kept for removal.</summary>
    private async Task<int> OwnerOfAsync(string path)
    {
        var (exit, text) = await Tool.RunAsync("stat", ["-c", "%u %U", path], "/");
        Assert.Equal(0, exit);
        var fields = text.Trim().Split(' ');
        _users.Add(fields[1]);
        return int.Parse(fields[0]);
    }
}
