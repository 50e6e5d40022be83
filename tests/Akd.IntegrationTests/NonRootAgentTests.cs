using System.Globalization;
using System.Text.Json;
using Akd.Core.Builders;
using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// The agent as its systemd unit runs it: not root, a system user of its own holding only the unit's ambient
/// capabilities (read from installers/systemd/akd-agent.service, started through setpriv as systemd would), with the
/// app user helper (akd-agent --create-app-user) behind a socket only the agent's group may use, activated by
/// systemd's own systemd-socket-activate under akd-app-user@.service's bounding set (systemd is not PID 1 here).
/// A deploy of examples/hello to it must make the app's user through the helper and run the app as that user.
/// </summary>
public sealed class NonRootAgentTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AgentUser = "akd-test-agent";
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(5);
    private static readonly Dictionary<string, string?> NoEnv = [];
    private LocalFleet _fleet = null!;
    private HelloApp _app = null!;
    private ManagedProcess? _helper;
    private string? _appUser;

    public async Task InitializeAsync()
    {
        _fleet = await LocalFleet.StartAsync(new FleetOptions(), CancellationToken.None);
        _app = HelloApp.CopyTo(_fleet.Root);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        if (_helper is not null)
        {
            output.WriteLine($"===== app user helper =====\n{_helper.TimedOutput}");
            _helper.Dispose();
        }

        await _fleet.DisposeAsync();
        if (_appUser is not null)
        {
            await Tool.RunAsync("userdel", [_appUser], "/");
        }
    }

    [SkippableFact(Timeout = 900_000)]
    public async Task Deploy_AgentNotRootWithOnlyItsUnitsCapabilities_HelperMakesTheAppUserAndTheAppRunsAsItThroughUpgrades()
    {
        // Arrange: the agent's system user (kept between runs, as an installed one is), its data dir its own.
        Skip.IfNot(Environment.UserName == "root", "making the agent's and the app's users and dropping to them needs root (CI runs as root)");
        Skip.If(MixTools.FindOnPath("systemd-socket-activate", NoEnv) is null, "systemd-socket-activate is not installed (apt-get install systemd)");
        Skip.If(MixTools.FindOnPath("setpriv", NoEnv) is null, "setpriv is not installed (util-linux)");
        var (agentUid, agentGid) = await EnsureAgentUserAsync();
        var agentCaps = UnitCapabilities("akd-agent.service", "AmbientCapabilities=");
        Assert.Equal(agentCaps, UnitCapabilities("akd-agent.service", "CapabilityBoundingSet="));
        var socket = await StartHelperAsync(agentGid);
        var id = "nonroot";
        var dataDir = _fleet.DataDirOf($"web-{id}-{_fleet.Suffix}");
        Directory.CreateDirectory(dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Assert.Equal(0, (await Tool.RunAsync("chown", [$"{agentUid}:{agentGid}", dataDir], "/")).ExitCode);

        // As systemd starts the unit: User=/Group=, its caps ambient (so inherited over exec), its bounding set, NoNewPrivileges=.
        var caps = string.Join(',', agentCaps.Select(c => "+" + c[4..].ToLowerInvariant()));
        _fleet.AgentWrapper =
        [
            "setpriv", $"--reuid={agentUid}", $"--regid={agentGid}", "--init-groups", $"--inh-caps=-all,{caps}",
            $"--ambient-caps=-all,{caps}", $"--bounding-set=-all,{caps}", "--no-new-privs", "--",
        ];
        var web = await _fleet.AddWebAgentAsync(id, "role=web", new Dictionary<string, string>
        {
            ["HOME"] = dataDir,
            ["AKD_Agent__AppUserSocket"] = socket,
        }, CancellationToken.None);
        _fleet.AgentWrapper = null;
        var agent = ReadStatus(_fleet.Agents[web.Name].Pid);

        // Act
        // A deploy path of its own: its app user (akd-app-hello-HASH of this run's path) cannot exist yet, so the helper must make it.
        var manifest = _app.WriteManifest("akd-nonroot.yaml", FleetManifest.Yaml("{ batch: 1 }")
            .Replace("path: apps/hello", "path: apps/hello-nonroot").Replace("keep_releases: 5", "keep_releases: 1"));
        var deployPath = Path.Combine(dataDir, "apps", "hello-nonroot");
        var deploy = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest);
        output.WriteLine(deploy.ToString());

        // Assert: the agent really had no root and only those capabilities, and the deploy worked.
        Assert.Equal([agentUid, agentUid, agentUid, agentUid], agent["Uid"]);
        Assert.Equal(CapabilityMask(agentCaps), agent["CapEff"]);
        Assert.Equal(CapabilityMask(agentCaps), agent["CapBnd"]);
        CliAssert.Succeeded(deploy);
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(web.Port));

        // The app's VM runs as the app's own user: not root, not the agent; the helper made that user (its log, its comment).
        var (appUid, appUser) = await OwnerOfAsync(Path.Combine(deployPath, "current", "tmp"));
        _appUser = appUser;
        var pid = RunningPid(deployPath);
        Assert.Equal([appUid, appUid, appUid, appUid], ReadStatus(pid)["Uid"]);
        Assert.NotEqual(0, appUid);
        Assert.NotEqual(agentUid, appUid);
        Assert.StartsWith("akd-app-hello-", appUser);
        Assert.Contains($"akd-agent --create-app-user: {appUser}: ok {appUid} ", _helper!.Output);
        var (exit, passwd) = await Tool.RunAsync("getent", ["passwd", appUser], "/");
        Assert.Equal(0, exit);
        Assert.Equal("akd app", passwd.Trim().Split(':')[4]);

        // Two more versions with keep_releases 1: the agent stops the app's VM (another user's process: CAP_KILL) and
        // removes the oldest release, whose tmp/ the app wrote (taken back with CAP_CHOWN; the agent has no CAP_DAC_OVERRIDE).
        foreach (var version in new[] { "0.1.1", "0.1.2" })
        {
            _app.SetVersion(version);
            var next = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest);
            output.WriteLine(next.ToString());
            CliAssert.Succeeded(next);
        }

        Assert.Equal("hello 0.1.2", await Http.GetBodyAsync(web.Port));
        Assert.False(Directory.Exists($"/proc/{pid}"), $"the first VM (pid {pid}) still runs");
        Assert.Equal([appUid, appUid, appUid, appUid], ReadStatus(RunningPid(deployPath))["Uid"]);
        var kept = Directory.GetDirectories(Path.Combine(deployPath, "releases")).Select(d => Path.GetFileName(d).Split('-')[0]).Order(StringComparer.Ordinal);
        Assert.Equal(["0.1.1", "0.1.2"], kept);
    }

    /// <summary>The agent's user and group, made once as the packages make <c>akd</c> (a system user, no login).</summary>
    private static async Task<(long Uid, long Gid)> EnsureAgentUserAsync()
    {
        if ((await Tool.RunAsync("getent", ["passwd", AgentUser], "/")).ExitCode != 0)
        {
            var (made, text) = await Tool.RunAsync("useradd",
                ["--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", AgentUser], "/");
            Assert.True(made == 0, $"useradd {AgentUser}: {text}");
        }

        var (exit, entry) = await Tool.RunAsync("getent", ["passwd", AgentUser], "/");
        Assert.Equal(0, exit);
        var fields = entry.Trim().Split(':');
        return (long.Parse(fields[2], CultureInfo.InvariantCulture), long.Parse(fields[3], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// akd-app-user.socket by hand: systemd-socket-activate (Accept=yes) running the helper as root under the bounding
    /// set of akd-app-user@.service, its socket root:AGENT-GROUP 0660 (the unit's SocketGroup=/SocketMode=).
    /// </summary>
    private async Task<string> StartHelperAsync(long agentGid)
    {
        var dir = Path.Combine(_fleet.Root, "run");
        Directory.CreateDirectory(dir);
        var socket = Path.Combine(dir, "akd-app-user.sock");
        var bounding = string.Join(',', UnitCapabilities("akd-app-user@.service", "CapabilityBoundingSet=").Select(c => "+" + c[4..].ToLowerInvariant()));
        _helper = ManagedProcess.Start("app-user-helper", "systemd-socket-activate",
            ["-l", socket, "--accept", "--inetd", "--", "setpriv", $"--bounding-set=-all,{bounding}", "--", "dotnet", _fleet.Programs.Agent, "--create-app-user"]);
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!File.Exists(socket))
        {
            Assert.False(_helper.HasExited, $"systemd-socket-activate exited:\n{_helper.Output}");
            await Task.Delay(100, wait.Token);
        }

        Assert.Equal(0, (await Tool.RunAsync("chown", [$"0:{agentGid}", socket], "/")).ExitCode);
        File.SetUnixFileMode(socket, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.GroupWrite);
        return socket;
    }

    /// <summary>A capability list of an installed unit, e.g. CAP_SETUID CAP_SETGID ...</summary>
    private static string[] UnitCapabilities(string unit, string key) =>
        File.ReadAllLines(Path.Combine(RepoRoot.Path, "installers", "systemd", unit))
            .Single(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..]
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();

    /// <summary>The capability bit mask of <paramref name="caps"/> as /proc/PID/status prints it (CapEff).</summary>
    private static long[] CapabilityMask(string[] caps)
    {
        var numbers = new Dictionary<string, int> { ["CAP_CHOWN"] = 0, ["CAP_KILL"] = 5, ["CAP_SETGID"] = 6, ["CAP_SETUID"] = 7 };
        return [caps.Aggregate(0L, (mask, c) => mask | (1L << numbers[c]))];
    }

    /// <summary>The Uid (real, effective, saved, fs) and capability lines of a process, as numbers.</summary>
    private static Dictionary<string, long[]> ReadStatus(int pid) =>
        File.ReadAllLines($"/proc/{pid}/status")
            .Select(l => l.Split(':', 2))
            .Where(p => p[0] is "Uid" or "CapEff" or "CapBnd" or "CapAmb")
            .ToDictionary(p => p[0], p => p[1].Split('\t', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(v => p[0] == "Uid" ? long.Parse(v, CultureInfo.InvariantCulture) : long.Parse(v, NumberStyles.HexNumber, CultureInfo.InvariantCulture))
                .ToArray());

    /// <summary>The OS pid of the app's VM that the agent recorded (shared/.akd-run.json).</summary>
    private static int RunningPid(string deployPath)
    {
        using var state = JsonDocument.Parse(File.ReadAllText(Path.Combine(deployPath, "shared", ".akd-run.json")));
        return state.RootElement.GetProperty("Pid").GetInt32();
    }

    /// <summary>The uid owning <paramref name="path"/>, and its user's name.</summary>
    private static async Task<(long Uid, string User)> OwnerOfAsync(string path)
    {
        var (exit, text) = await Tool.RunAsync("stat", ["-c", "%u %U", path], "/");
        Assert.Equal(0, exit);
        var fields = text.Trim().Split(' ');
        return (long.Parse(fields[0], CultureInfo.InvariantCulture), fields[1]);
    }
}
