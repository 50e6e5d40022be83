using System.Globalization;
using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Upgrades;
using Akd.Contracts.V1;
using Akd.Core.Manifest;
using Akd.Core.Processes;
using Akd.Core.Releases;
using Akd.Core.Upgrades;
using Akd.Manifest;
using Akd.Testing;
using Xunit.Abstractions;

namespace Akd.Agent.Tests.Upgrades;

/// <summary>
/// An agent killed in the middle of a hot upgrade, as its restart sees it: the activation journal holds the hot upgrade
/// (written before release_handler is called), and a new <see cref="ReleaseActivator"/> finishes it from that file.
/// The counter release, its VM, release_handler and the HTTP health check are real; the kill is simulated by stopping
/// the agent-side sequence at the point a kill -9 would (the VM is a separate OS process either way).
/// </summary>
[Collection(CounterReleasesCollection.Name)]
public sealed class HotUpgradeRecoveryTests(CounterReleases releases, ITestOutputHelper output) : IAsyncLifetime
{
    private const string A = "0.1.0-20261101T000000Z";
    private const string B = "0.2.0-20261102T000000Z";
    private readonly CounterHost _host = new("rec", "hot", output);
    private ActivationJournal _journal = null!;

    public async Task InitializeAsync()
    {
        _journal = new ActivationJournal(Path.Combine(_host.Root, "data"));
        CounterReleases.CopyTree(releases.V1, _host.Layout.ReleaseDir(A), []);
        CounterReleases.CopyTree(releases.V2, _host.Layout.ReleaseDir(B), []);
        await RelupGenerator.GenerateAsync(
            new RelupRequest { OldRoot = releases.V1, OldVsn = "0.1.0", NewRoot = _host.Layout.ReleaseDir(B), NewVsn = "0.2.0", ReleaseName = "counter" },
            line => output.WriteLine(line.Text), CancellationToken.None);

        // 0.1.0 deployed cold, counted to 3.
        await Activator().ActivateAsync(A, _host.Env, "d-1", "deployed", CancellationToken.None);
        for (var i = 0; i < 3; i++)
        {
            await GetAsync("/incr");
        }
    }

    public Task DisposeAsync()
    {
        _host.Dispose();
        return Task.CompletedTask;
    }

    [Fact(Timeout = 600_000)]
    public async Task RecoverAsync_KilledAfterReleaseHandlerInstalledTheNewVersion_RecordsTheHotUpgradeOnTheSameVm()
    {
        // Arrange: the agent died after release_handler answered, before current switched and revisions.log was written.
        var pid = await KilledDuringHotUpgradeAsync(applied: true);

        // Act
        var result = await RecoverAsync();

        // Assert
        Assert.False(result.RolledBack);
        Assert.Equal(B, _host.Layout.CurrentReleaseId());
        Assert.Equal([(A, "deployed"), (B, "hot-upgraded 0.1.0 -> 0.2.0")], _host.Layout.ReadRevisions().Select(r => (r.ReleaseId, r.Result)));
        Assert.Equal(("counter 0.2.0", "3"), (await GetAsync("/"), await GetAsync("/count")));
        Assert.True(RunState.Read(_host.Layout.SharedDir) is { } state && state.ReleaseId == B && state.Pid == pid && state.VmReleaseId == A);
        Assert.Empty(_journal.Unfinished());
    }

    [Fact(Timeout = 600_000)]
    public async Task RecoverAsync_KilledBetweenInstallAndMakePermanent_MakesTheNewVersionPermanentAndRecordsIt()
    {
        // Arrange: release_handler installed 0.2.0 (status current), the agent died before make_permanent.
        var pid = await KilledDuringHotUpgradeAsync(applied: false);
        var expression = HotUpgrader.ErlangExpression(Request(RunState.Read(_host.Layout.SharedDir)!.Env));
        var installOnly = expression.Replace("ok = release_handler:make_permanent(To),", "", StringComparison.Ordinal);
        Assert.NotEqual(expression, installOnly);
        await EvalAsync(installOnly);
        var startErl = Path.Combine(_host.Layout.ReleaseDir(A), "releases", "start_erl.data");
        Assert.EndsWith(" 0.1.0", (await File.ReadAllTextAsync(startErl)).Trim());

        // Act
        var result = await RecoverAsync();

        // Assert: make_permanent rewrote start_erl.data, so a restart of this VM boots 0.2.0.
        Assert.False(result.RolledBack);
        Assert.EndsWith(" 0.2.0", (await File.ReadAllTextAsync(startErl)).Trim());
        Assert.Equal([(A, "deployed"), (B, "hot-upgraded 0.1.0 -> 0.2.0")], _host.Layout.ReadRevisions().Select(r => (r.ReleaseId, r.Result)));
        Assert.Equal(("counter 0.2.0", "3"), (await GetAsync("/"), await GetAsync("/count")));
        Assert.Equal(pid, RunState.Read(_host.Layout.SharedDir)!.Pid);
    }

    [Fact(Timeout = 600_000)]
    public async Task RecoverAsync_KilledBeforeReleaseHandlerRan_PutsTheHostBackOnTheOldVersionAndSaysSo()
    {
        // Arrange: the agent died after installing 0.2.0's files into the VM's root, before release_handler was called.
        var pid = await KilledDuringHotUpgradeAsync(applied: false);

        // Act
        var failure = await Assert.ThrowsAsync<ActivationFailedException>(RecoverAsync);

        // Assert
        Assert.Contains($"the agent restarted during the hot upgrade 0.1.0 -> 0.2.0 of the VM (pid {pid}); the VM runs 0.1.0", failure.Message);
        Assert.Contains($"the VM (pid {pid}) is back on {A}, healthy", failure.Message);
        Assert.True(failure.Output.RolledBack);
        Assert.Equal(A, _host.Layout.CurrentReleaseId());
        Assert.Equal([(A, "deployed"), (B, "failed"), (A, "rolled-back")], _host.Layout.ReadRevisions().Select(r => (r.ReleaseId, r.Result)));
        Assert.Equal(("counter 0.1.0", "3"), (await GetAsync("/"), await GetAsync("/count")));
        Assert.True(RunState.Read(_host.Layout.SharedDir) is { } state && state.ReleaseId == A && state.Pid == pid);
        Assert.Empty(_journal.Unfinished());
    }

    [Fact(Timeout = 600_000)]
    public async Task RecoverAsync_VmGoneAfterTheKill_StartsTheOldReleaseCold()
    {
        // Arrange: killed mid-upgrade, and the VM died too (e.g. the host's OOM killer took both).
        var pid = await KilledDuringHotUpgradeAsync(applied: true);
        ProcessSignals.Send(pid, ProcessSignals.SigKill);
        while (ProcessSignals.IsAlive(pid))
        {
            await Task.Delay(20);
        }

        // Act
        var failure = await Assert.ThrowsAsync<ActivationFailedException>(RecoverAsync);

        // Assert: a new VM serves 0.1.0.
        Assert.Contains("the VM did not answer afterwards; rolled back to " + A, failure.Message);
        Assert.Equal(A, _host.Layout.CurrentReleaseId());
        Assert.Equal([(A, "deployed"), (B, "failed"), (A, "rolled-back")], _host.Layout.ReadRevisions().Select(r => (r.ReleaseId, r.Result)));
        Assert.Equal("counter 0.1.0", await GetAsync("/"));
        Assert.True(RunState.Read(_host.Layout.SharedDir) is { Pid: { } newPid } state && state.ReleaseId == A && newPid != pid && state.VmReleaseId is null);
    }

    /// <summary>
    /// What the agent does for a hot upgrade up to the point it is killed: the journal entry, 0.2.0's files installed
    /// into the VM's root and, when <paramref name="applied"/>, release_handler's upgrade. Returns the VM's pid.
    /// </summary>
    private async Task<int> KilledDuringHotUpgradeAsync(bool applied)
    {
        var running = RunState.Read(_host.Layout.SharedDir)!;
        _journal.Begin(Activator().HotJournalEntry(B, running, "0.1.0", "0.2.0", "d-2", "deployed", isRollback: false));
        ReleaseInstaller.Install(_host.Layout.ReleaseDir(B), _host.Layout.ReleaseDir(A), "0.2.0", CancellationToken.None);
        if (applied)
        {
            var up = await new HotUpgrader(TestMetrics.Reporter(_host.Outbox, "s2")).ApplyAsync(Request(running.Env), CancellationToken.None);
            Assert.True(up.Applied, up.Detail);
        }

        return running.Pid!.Value;
    }

    private HotUpgradeRequest Request(Dictionary<string, string> env) =>
        new() { App = "counter", RunningRoot = _host.Layout.ReleaseDir(A), FromVsn = "0.1.0", ToVsn = "0.2.0", Env = env };

    /// <summary>Evaluates Erlang in the counter VM with the release's erl_call, as the agent does.</summary>
    private async Task EvalAsync(string erlang)
    {
        var home = Path.Combine(_host.Root, "erl-call-home");
        var spec = ErlCall.Spec(ErlCall.Find(_host.Layout.ReleaseDir(A))!, _host.Layout.ReleaseDir(A), _host.Env, erlang, TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(10), home)!;
        var (result, text) = await ProcessRunner.CaptureAsync(spec, CancellationToken.None);
        output.WriteLine(text);
        Assert.True(result.Succeeded && text.Contains("akd:hot ok 0.1.0", StringComparison.Ordinal), text);
    }

    /// <summary>A restarted agent: a new activator that reads the journal from disk.</summary>
    private async Task<ActivateOutput> RecoverAsync()
    {
        var pending = Assert.Single(_journal.Unfinished()).Pending!;
        return await Activator().RecoverAsync(pending, _host.Env, CancellationToken.None);
    }

    private ReleaseActivator Activator() => _host.Activator(journal: _journal);

    private Task<string> GetAsync(string path) => _host.GetAsync(path);
}
