using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Agent.Upgrades;
using Akd.Core.Processes;
using Akd.Core.Upgrades;
using Akd.Testing;
using Xunit.Abstractions;

namespace Akd.Agent.Tests.Upgrades;

/// <summary>
/// Hot upgrades of a running examples/counter release: relup from <see cref="RelupGenerator"/>, applied by
/// release_handler through <c>bin/counter rpc</c>. The VM, its HTTP port and a 10 ms poller are real.
/// </summary>
[Collection(CounterReleasesCollection.Name)]
public sealed class HotUpgraderTests(CounterReleases releases, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly Outbox _outbox = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };
    private readonly string _node = $"counter_hot_{Guid.NewGuid():N}"[..24];
    private readonly int _port = Ports.Free();
    private string _root = "";
    private string? _ownParent;

    private Dictionary<string, string> Env => new() { ["RELEASE_NODE"] = _node, ["PORT"] = _port.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (_root.Length > 0 && BeamProcessFinder.Find(_root, _node) is { } pid)
        {
            ProcessSignals.Send(pid, ProcessSignals.SigKill);
        }

        if (_ownParent is not null)
        {
            Directory.Delete(_ownParent, recursive: true);
        }

        _http.Dispose();
        return Task.CompletedTask;
    }

    [Fact(Timeout = 600_000)]
    public async Task ApplyAsync_UpgradeThenDowngrade_SameVmMigratesStateAndNoRequestFails()
    {
        // Arrange: 0.1.0 runs and has counted to 7; the relup 0.1.0 -> 0.2.0 was generated into a copy of 0.2.0.
        var next = await WithRelupAsync(releases.V2, "v2");
        var pid = await StartAsync();
        for (var i = 0; i < 7; i++)
        {
            await GetAsync("/incr");
        }

        var upgrader = new HotUpgrader(TestMetrics.Reporter(_outbox, "s1"));
        ReleaseInstaller.Install(next, _root, "0.2.0", CancellationToken.None);
        using var poller = new Poller(_http, _port);

        // Act
        var up = await upgrader.ApplyAsync(Request("0.1.0", "0.2.0"), CancellationToken.None);
        var afterUp = (Version: await GetAsync("/"), Count: await GetAsync("/count"), Pid: BeamProcessFinder.Find(_root, _node));
        var down = await upgrader.ApplyAsync(Request("0.2.0", "0.1.0"), CancellationToken.None);
        var afterDown = (Version: await GetAsync("/"), Count: await GetAsync("/count"), Pid: BeamProcessFinder.Find(_root, _node));
        var (ok, failed) = await poller.StopAsync();

        // Assert
        Assert.True(up.Applied, up.Detail);
        Assert.Equal(("counter 0.2.0", "7", pid), (afterUp.Version, afterUp.Count, afterUp.Pid));
        Assert.True(down.Applied, down.Detail);
        Assert.Equal(("counter 0.1.0", "7", pid), (afterDown.Version, afterDown.Count, afterDown.Pid));
        output.WriteLine($"poller: {ok} answers, {failed.Count} failures");
        Assert.True(ok > 0);
        Assert.Empty(failed);
        Assert.Contains("counter-0.2.0", await File.ReadAllTextAsync(Path.Combine(_root, "releases", "RELEASES")));
    }

    [Fact(Timeout = 600_000)]
    public async Task ApplyAsync_CodeChangeCrashes_ReportsTheReasonAndTheVmComesBackOnTheOldVersion()
    {
        // Arrange
        var next = await WithRelupAsync(releases.V2Crash, "v2-crash");
        var pid = await StartAsync();
        await GetAsync("/incr");
        var upgrader = new HotUpgrader(TestMetrics.Reporter(_outbox, "s1"));
        ReleaseInstaller.Install(next, _root, "0.2.0", CancellationToken.None);

        // Act
        var up = await upgrader.ApplyAsync(Request("0.1.0", "0.2.0"), CancellationToken.None);

        // Assert: release_handler restarted the VM in place on the permanent release, 0.1.0.
        Assert.False(up.Applied);
        Assert.Equal("code_change/3 of Counter.Store crashed: cannot migrate count 1", up.Detail);
        Assert.Equal("counter 0.1.0", await EventuallyAsync("/"));
        Assert.Equal(pid, BeamProcessFinder.Find(_root, _node));
    }

    [Fact(Timeout = 600_000)]
    public async Task ApplyAsync_ReleaseWithoutErlCall_UpgradesThroughBinRpc()
    {
        // Arrange: the same release without erts-*/bin/erl_call, as the fallback path sees it.
        var next = await WithRelupAsync(releases.V2, "v2-rpc");
        var pid = await StartAsync();
        foreach (var erlCall in Directory.EnumerateDirectories(_root, "erts-*").Select(d => Path.Combine(d, "bin", "erl_call")))
        {
            File.Delete(erlCall);
        }

        ReleaseInstaller.Install(next, _root, "0.2.0", CancellationToken.None);

        // Act
        var up = await new HotUpgrader(TestMetrics.Reporter(_outbox, "s1")).ApplyAsync(Request("0.1.0", "0.2.0"), CancellationToken.None);

        // Assert
        Assert.True(up.Applied, up.Detail);
        Assert.Equal("counter 0.2.0", await GetAsync("/"));
        Assert.Equal(pid, BeamProcessFinder.Find(_root, _node));
    }

    [SkippableFact(Timeout = 600_000)]
    public async Task ApplyAsync_AppRunsAsItsOwnUser_ErlCallRunsAsThatUserAndUpgrades()
    {
        // Arrange: the VM's root lies where the app's user may enter; the app's user is real.
        Skip.IfNot(UserSwitching.AgentUid == 0, "needs root to create the app's user (CI runs as root)");
        var next = await WithRelupAsync(releases.V2, "v2-user");
        _ownParent = Directory.CreateTempSubdirectory("akd-hot-user-").FullName;
        var pid = await StartAsync(_ownParent);
        ReleaseInstaller.Install(next, _root, "0.2.0", CancellationToken.None);
        var name = $"akd-t{Guid.NewGuid():N}"[..16];
        var user = await UnixUsers.CreateAsync(name, TimeSpan.FromSeconds(30), output.WriteLine, CancellationToken.None);
        try
        {
            var sandbox = AppSandbox.As(user, Path.Combine(_root, "tmp"));
            sandbox.SecureRelease(_root);
            var request = Request("0.1.0", "0.2.0") with { Sandbox = sandbox };
            using var eval = new ReleaseEval();

            // Act
            var spec = eval.Spec(request, "ok.", ":ok", TimeSpan.FromSeconds(30));
            var up = await new HotUpgrader(TestMetrics.Reporter(_outbox, "s1")).ApplyAsync(request, CancellationToken.None);

            // Assert: erl_call goes through the sandbox's setpriv as the app's user, and can read the cookie it was given.
            Assert.Equal("erl_call", eval.Tool);
            Assert.Equal([.. AppSandbox.Prefix(user).Skip(1), ErlCall.Find(_root)!], spec.Arguments.Take(AppSandbox.Prefix(user).Count));
            Assert.True(up.Applied, up.Detail);
            Assert.Equal("counter 0.2.0", await GetAsync("/"));
            Assert.Equal(pid, BeamProcessFinder.Find(_root, _node));
        }
        finally
        {
            await ProcessRunner.RunAsync(new ProcessSpec("userdel", [name]), _ => { }, CancellationToken.None);
        }
    }

    [Fact]
    public void Install_ReleaseWithoutRelup_SaysItWasBuiltWithoutAPreviousRelease()
    {
        // Act
        var ex = Assert.Throws<HotUpgradeException>(() => ReleaseInstaller.Install(releases.V2, Path.Combine(releases.Scratch, "nowhere"), "0.2.0", CancellationToken.None));

        // Assert
        Assert.Contains("holds no releases/0.2.0/relup", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Literal_QuotesBackslashesAndInterpolation_AreEscaped()
    {
        Assert.Equal("\"a\\\\b\\\"c\\#{d}\"", HotUpgrader.Literal("a\\b\"c#{d}"));
    }

    private HotUpgradeRequest Request(string from, string to) =>
        new() { App = "counter", RunningRoot = _root, FromVsn = from, ToVsn = to, Env = Env, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>A copy of the new release with the relup from 0.1.0 in it, as the build side makes it.</summary>
    private async Task<string> WithRelupAsync(string built, string name)
    {
        var next = Path.Combine(releases.Scratch, $"{name}-{_node}");
        CounterReleases.CopyTree(built, next, []);
        var plan = await RelupGenerator.GenerateAsync(
            new RelupRequest { OldRoot = releases.V1, OldVsn = "0.1.0", NewRoot = next, NewVsn = "0.2.0", ReleaseName = "counter" },
            line => output.WriteLine(line.Text), CancellationToken.None);
        Assert.True(plan.CanHotUpgrade, string.Join("; ", plan.Blockers));
        return next;
    }

    /// <summary>Starts a copy of 0.1.0 with <c>bin/counter daemon</c>; returns the VM's pid once it answers.</summary>
    /// <param name="parent">Where the copy goes; the collection's scratch folder unless given.</param>
    private async Task<int> StartAsync(string? parent = null)
    {
        if (parent is not null)
        {
            File.SetUnixFileMode(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        _root = Path.Combine(parent ?? releases.Scratch, $"root-{_node}");
        CounterReleases.CopyTree(releases.V1, _root, []);
        var (result, text) = await ProcessRunner.CaptureAsync(
            new ProcessSpec(Path.Combine(_root, "bin", "counter"), ["daemon"])
            {
                Environment = Env.ToDictionary(p => p.Key, p => (string?)p.Value),
                Timeout = TimeSpan.FromMinutes(1),
                OutputDrainGrace = TimeSpan.FromMilliseconds(200),
            }, CancellationToken.None);
        Assert.True(result.Succeeded, text);
        Assert.Equal("counter 0.1.0", await EventuallyAsync("/"));
        return BeamProcessFinder.Find(_root, _node) ?? throw new InvalidOperationException("the VM is not in /proc");
    }

    private async Task<string> GetAsync(string path) => await _http.GetStringAsync(new Uri($"http://127.0.0.1:{_port}{path}"));

    /// <summary>The answer once the VM answers; the test's timeout bounds the wait.</summary>
    private async Task<string> EventuallyAsync(string path)
    {
        while (true)
        {
            try
            {
                return await GetAsync(path);
            }
            catch (HttpRequestException)
            {
                await Task.Delay(100);
            }
        }
    }


    /// <summary>GET /incr every 10 ms until stopped; counts answers and keeps every failure.</summary>
    private sealed class Poller : IDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private readonly Task<(int, List<string>)> _loop;

        public Poller(HttpClient http, int port) => _loop = Task.Run(async () =>
        {
            var (ok, failed) = (0, new List<string>());
            while (!_stop.IsCancellationRequested)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{port}/"));
                    if (response.IsSuccessStatusCode)
                    {
                        ok++;
                    }
                    else
                    {
                        failed.Add($"HTTP {(int)response.StatusCode}");
                    }
                }
                catch (HttpRequestException ex)
                {
                    failed.Add(ex.Message);
                }

                await Task.Delay(10);
            }

            return (ok, failed);
        });

        public async Task<(int Ok, List<string> Failed)> StopAsync()
        {
            await _stop.CancelAsync();
            return await _loop;
        }

        public void Dispose() => _stop.Dispose();
    }
}
