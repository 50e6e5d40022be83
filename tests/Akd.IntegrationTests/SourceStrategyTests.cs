using Akd.Contracts.V1;
using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// Strategy <c>source</c> ("asdf on production"): the web agent gets the working tree, compiles it in
/// the new release with the real mix, and runs it with <c>mix run --no-halt --no-compile --no-deps-check</c>, detached
/// (as a user of its own where the agent runs as root, as CI does). The agent's
/// PATH starts with a FAKE asdf (asdf cannot be installed here) that records its calls and runs the
/// system's tools. The tests share one fleet and one deployed app; each asserts only what it deployed.
/// </summary>
public sealed class SourceStrategyTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(4);
    private readonly string _fakeBin = Directory.CreateTempSubdirectory("akd-fake-asdf-").FullName;
    private LocalFleet _fleet = null!;
    private Dictionary<string, string> _fakeAsdfEnv = null!;

    /// <summary>What the fake asdf records when it runs mix under the versions the tests' .tool-versions set, installed.</summary>
    private const string RanUnderToolVersions = "ran mix under elixir 1.14.0-otp-25 erlang 25.3";

    private string AsdfCalls => Path.Combine(_fakeBin, "calls.log");

    private LocalFleet.WebHost Web => _fleet.Web[0];

    private string DeployPath => Web.DeployPath("hello");

    public async Task InitializeAsync()
    {
        var asdf = Path.Combine(_fakeBin, "asdf");
        File.Copy(Path.Combine(AppContext.BaseDirectory, "Fakes", "fake-asdf"), asdf);
        File.SetUnixFileMode(asdf, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);

        // The app runs `asdf exec mix` as its own user (CI runs as root): it must reach the fake, as a real asdf's installs.
        File.SetUnixFileMode(_fakeBin, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        _fakeAsdfEnv = new Dictionary<string, string>
        {
            ["PATH"] = $"{_fakeBin}:{Environment.GetEnvironmentVariable("PATH")}",
            ["FAKE_ASDF_LOG"] = AsdfCalls,
        };
        _fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None, _fakeAsdfEnv);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
        Directory.Delete(_fakeBin, recursive: true);
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_SystemToolchain_AppSurvivesAgentRestartAndRedeployReplacesIt()
    {
        // Arrange
        var app = CopyApp("system");
        var manifest = app.WriteManifest("akd.source.yaml", Manifest("system"));

        // Act: deploy from source.
        await DeployAsync(app, manifest);

        // Assert: it answers, run by a BEAM in a session of its own whose pid is in shared/.
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(Web.Port));
        var firstPid = AppPid();
        Assert.Equal("beam.smp", File.ReadAllText($"/proc/{firstPid}/comm").Trim());
        Assert.Contains("==== ", File.ReadAllText(Path.Combine(DeployPath, "shared", "log", "app.log")));

        // Act: the agent dies and comes back.
        await _fleet.RestartAgentAsync(Web.Name, CancellationToken.None);

        // Assert: the app never noticed.
        Assert.True(Directory.Exists($"/proc/{firstPid}"), "the app must outlive its agent");
        Assert.Equal(firstPid, AppPid());
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(Web.Port));

        // Act: a new version, deployed through the restarted agent.
        app.SetVersion("0.2.0");
        await DeployAsync(app, manifest);

        // Assert: the old BEAM is gone and the new version answers.
        Assert.False(Directory.Exists($"/proc/{firstPid}") && !IsZombie(firstPid), $"pid {firstPid} should have been stopped");
        Assert.NotEqual(firstPid, AppPid());
        Assert.Equal("hello 0.2.0", await Http.GetBodyAsync(Web.Port));
        Assert.StartsWith("0.2.0-", CurrentRelease());

        // Act: roll back to the first source release.
        var secondPid = AppPid();
        var rollback = await _fleet.AkdctlAsync(app.Dir, DeployTimeout, "rollback", "hello");
        output.WriteLine(rollback.ToString());

        // Assert: the 0.1.0 release runs again (a new process, from its own release dir) and revisions.log says so.
        CliAssert.Succeeded(rollback);
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(Web.Port));
        Assert.StartsWith("0.1.0-", CurrentRelease());
        Assert.NotEqual(secondPid, AppPid());
        var last = File.ReadAllLines(Path.Combine(DeployPath, "revisions.log")).Last().Split('\t');
        Assert.Equal([CurrentRelease(), "rolled-back"], [last[1], last[3]]);
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_AsdfToolchainFromGit_InstallsFromToolVersionsAndRunsMixThroughAsdf()
    {
        // Arrange: the app in a git repository, as asdf-on-production users deploy it; akdctl cannot
        // know the version of what the targets fetch, so they name the release themselves.
        var app = CopyApp("asdf");
        File.WriteAllText(Path.Combine(app.Dir, ".tool-versions"), "erlang 25.3\nelixir 1.14.0-otp-25\n");
        await GitAsync(app.Dir, "init", "--quiet", "--initial-branch=main");
        await GitAsync(app.Dir, "add", "-A");
        await GitAsync(app.Dir, "commit", "--quiet", "-m", "hello");
        var manifest = app.WriteManifest("akd.asdf.yaml", Manifest("asdf", $"git: file://{app.Dir}\n  ref: main"));
        File.Delete(AsdfCalls);
        File.Delete(AsdfCalls + ".plugins");
        File.Delete(AsdfCalls + ".installs");

        // Act
        await DeployAsync(app, manifest);

        // Assert: the versions .tool-versions names were installed, and every Elixir tool ran through asdf
        // under them (the fake refuses a version not installed, as asdf does), in the new release, named after mix.exs.
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(Web.Port));
        Assert.StartsWith("0.1.0-", CurrentRelease());
        var releaseDir = Path.Combine(DeployPath, "releases", CurrentRelease());
        Assert.False(Directory.Exists(Path.Combine(releaseDir, ".git")), "the release holds the source, not the repository");
        var calls = File.ReadAllLines(AsdfCalls).Where(l => l.StartsWith(releaseDir + "\t", StringComparison.Ordinal))
            .Select(l => l[(releaseDir.Length + 1)..]).ToList();
        output.WriteLine(string.Join("\n", calls));
        Assert.Equal(
            [
                "plugin list", "plugin add erlang", "plugin add elixir", "install", "installed erlang 25.3", "installed elixir 1.14.0-otp-25",
                "exec mix deps.get --only prod", RanUnderToolVersions, "exec mix compile", RanUnderToolVersions, "exec mix run --no-halt --no-compile --no-deps-check", RanUnderToolVersions,
            ],
            calls);
        Assert.Equal(["erlang 25.3", "elixir 1.14.0-otp-25"], File.ReadAllLines(AsdfCalls + ".installs"));

        // Assert: the agent's toolchain probe found asdf. The probe runs in the background after the agent connects and
        // reports when every tool answered, which on a loaded CI machine came after this 16 s deploy had ended.
        string AsdfOf(CliResult agents)
        {
            var web = CliJson.Lines(agents.StdOut).Single(a => a.Str("name") == Web.Name);
            return web.TryGetProperty("toolchain", out var toolchain) ? toolchain.Str("asdf") : "";
        }

        var listed = await CliAssert.EventuallyAsync(
            () => _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(30), "agents", "--output", "json"), r => AsdfOf(r).Length > 0, tries: 60);
        Assert.Equal("v0.0.0-fake", AsdfOf(listed));
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_AfterActivateHookFails_HostRollsBackAndHooksCleanUpNewestFirst()
    {
        // Arrange: a good release first.
        var app = CopyApp("hooks");
        app.SetVersion("0.3.0");
        await DeployAsync(app, app.WriteManifest("akd.good.yaml", Manifest("system")));
        var good = CurrentRelease();
        var journal = Path.Combine(_fleet.Root, "hook-journal");
        var hooks = $"""
            hooks:
              - name: announce
                at: before-activate
                run: ["sh", "-c", 'echo "announce in $(basename "$PWD")" >> "$0"', "{journal}"]
                rollback: ["sh", "-c", 'echo "rollback announce" >> "$0"', "{journal}"]
              - name: migrate
                at: after-activate
                run: ["sh", "-c", 'echo "migrate with MIX_ENV=$MIX_ENV" >> "$0"; exit 7', "{journal}"]
                ensure: ["sh", "-c", 'echo "ensure migrate" >> "$0"', "{journal}"]
                rollback: ["sh", "-c", 'echo "rollback migrate" >> "$0"', "{journal}"]
              - name: never
                at: after-start
                run: ["sh", "-c", 'echo "never" >> "$0"', "{journal}"]
            """;
        var failing = app.WriteManifest("akd.hooks.yaml", Manifest("system") + hooks);
        app.SetVersion("0.4.0");

        // Act
        var result = await _fleet.AkdctlAsync(app.Dir, DeployTimeout, "deploy", "-f", failing);
        output.WriteLine(result.ToString());

        // Assert: the deploy failed on the hook, the host is back on the good release, and the hooks cleaned up newest first.
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("hook migrate (after-activate) failed", result.StdOut + result.StdErr);
        Assert.Equal(good, CurrentRelease());
        Assert.Equal("hello 0.3.0", await Http.GetBodyAsync(Web.Port));
        var failedRelease = File.ReadAllLines(Path.Combine(DeployPath, "revisions.log")).Select(l => l.Split('\t')).Last(f => f[3] == "failed")[1];
        Assert.StartsWith("0.4.0-", failedRelease);
        Assert.Equal(
            [$"announce in {failedRelease}", "migrate with MIX_ENV=prod", "ensure migrate", "rollback migrate", "rollback announce"],
            File.ReadAllLines(journal));
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_RemoteBuildWithAsdfToolchain_BuildAgentRunsMixThroughAsdf()
    {
        // Arrange: a build agent whose PATH starts with the fake asdf.
        var builder = $"asdf-build-{_fleet.Suffix}";
        await _fleet.StartAgentAsync(builder, "role=asdf-build", _fakeAsdfEnv);
        await _fleet.WaitForAgentStateAsync(builder, AgentState.Online, CancellationToken.None);
        var app = CopyApp("remote-asdf");
        File.WriteAllText(Path.Combine(app.Dir, ".tool-versions"), "erlang 25.3\nelixir 1.14.0-otp-25\n");
        var manifest = app.WriteManifest("akd.remote-asdf.yaml", Manifest("asdf")
            .Replace("strategy: source", "strategy: remote-build")
            .Replace("  toolchain: asdf", "  toolchain: asdf\n  on: { role: asdf-build }"));
        File.Delete(AsdfCalls);

        // Act
        await DeployAsync(app, manifest);

        // Assert: the release was built with asdf's tools in the build workspace, and it runs.
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(Web.Port));
        var workspace = Path.Combine(_fleet.Root, "asdf-build", "builds", "hello", "src");
        var calls = File.ReadAllLines(AsdfCalls).Where(l => l.StartsWith(workspace + "\t", StringComparison.Ordinal))
            .Select(l => l[(workspace.Length + 1)..]).ToList();
        output.WriteLine(string.Join("\n", calls));
        Assert.Contains("install", calls);
        Assert.Contains("exec mix deps.get --only prod", calls);
        var release = calls.FindIndex(c => c.StartsWith("exec mix release", StringComparison.Ordinal));
        Assert.True(release >= 0, "mix release should run through asdf");
        Assert.Equal(RanUnderToolVersions, calls.ElementAtOrDefault(release + 1));
    }

    private HelloApp CopyApp(string name) => HelloApp.CopyTo(Directory.CreateDirectory(Path.Combine(_fleet.Root, name)).FullName);

    private async Task DeployAsync(HelloApp app, string manifest)
    {
        var result = await _fleet.AkdctlAsync(app.Dir, DeployTimeout, "deploy", "-f", manifest);
        output.WriteLine(result.ToString());
        Assert.True(result.ExitCode == 0, $"deploy failed: {result}");
    }

    private static async Task GitAsync(string dir, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = dir, RedirectStandardError = true };
        foreach (var arg in (string[])["-c", "user.name=akd-test", "-c", "user.email=akd-test@localhost", .. args])
        {
            psi.ArgumentList.Add(arg);
        }

        using var git = System.Diagnostics.Process.Start(psi)!;
        var stderr = await git.StandardError.ReadToEndAsync();
        await git.WaitForExitAsync();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', args)}: {stderr}");
    }

    private static string Manifest(string toolchain, string source = "path: .") => $$"""
        app: hello
        strategy: source
        source:
          {{source}}
        build:
          toolchain: {{toolchain}}
          mix_env: prod
        deploy:
          to: { role: web }
          path: apps/hello
          env:
            PORT: "4000"
        health:
          http: "http://127.0.0.1:${PORT}/health"
          timeout: 60s

        """;

    private int AppPid() => int.Parse(File.ReadAllText(Path.Combine(DeployPath, "shared", "app.pid")).Trim());

    private string CurrentRelease() => Web.CurrentRelease()!;

    private static bool IsZombie(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
        }
        catch (IOException)
        {
            return false;
        }
    }
}
