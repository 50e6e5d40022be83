using System.Globalization;
using Akd.Agent.Releases;
using Akd.Agent.Upgrades;
using Akd.Core.Manifest;
using Akd.Core.Releases;
using Akd.Core.Upgrades;
using Akd.Manifest;
using Akd.Testing;
using Xunit.Abstractions;

namespace Akd.Agent.Tests.Upgrades;

/// <summary>
/// <c>deploy.upgrade: auto</c> when the ERTS changed: the build side's relup generator blocks the hot upgrade and the
/// target restarts the VM, saying why. Only one Erlang is installed here, so the previous release the build side
/// compares against is the real 0.1.0 release rewritten to name another ERTS where a release records it: its
/// <c>releases/0.1.0/counter.rel</c> (<c>{erts, Vsn}</c>, the only place the generator reads it, as
/// <c>systools</c> does), <c>releases/start_erl.data</c> and the <c>erts-VSN</c> directory. A release built by another
/// OTP differs from this one in exactly those names (the VM's bytes inside <c>erts-VSN</c> are never read by the
/// generator). The running VM and the restart are real.
/// </summary>
[Collection(CounterReleasesCollection.Name)]
public sealed class AutoUpgradeErtsTests(CounterReleases releases, ITestOutputHelper output) : IAsyncLifetime
{
    private const string A = "0.1.0-20261101T000000Z";
    private const string B = "0.2.0-20261102T000000Z";

    /// <summary>OTP 24.3.4's ERTS: what a 0.1.0 built before an OTP upgrade of the build host would name.</summary>
    private const string OtherErts = "12.3.2.17";

    private readonly CounterHost _host = new("erts", "auto", output);

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        _host.Dispose();
        return Task.CompletedTask;
    }

    [Fact(Timeout = 600_000)]
    public async Task ActivateAsync_AutoAndThePreviousReleaseHadAnotherErts_RestartsTheVmAndSaysWhy()
    {
        // Arrange: 0.1.0 runs; the build side generated 0.2.0 against a 0.1.0 built with another ERTS.
        CounterReleases.CopyTree(releases.V1, _host.Layout.ReleaseDir(A), []);
        CounterReleases.CopyTree(releases.V2, _host.Layout.ReleaseDir(B), []);
        await _host.Activator().ActivateAsync(A, _host.Env, "d-1", "deployed", CancellationToken.None);
        var pid = RunState.Read(_host.Layout.SharedDir)!.Pid!.Value;
        var ourErts = Path.GetFileName(Directory.EnumerateDirectories(releases.V1, "erts-*").Single())["erts-".Length..];
        var previous = WithErts(releases.V1, OtherErts);
        var plan = await RelupGenerator.GenerateAsync(
            new RelupRequest { OldRoot = previous, OldVsn = "0.1.0", NewRoot = _host.Layout.ReleaseDir(B), NewVsn = "0.2.0", ReleaseName = "counter" },
            line => output.WriteLine(line.Text), CancellationToken.None);

        // Act: the step carries what the build found (BuildStepHandler: relup_from empty, the blockers).
        var activated = await _host.Activator(new HotUpgradePolicy(UpgradeMode.Auto, plan.CanHotUpgrade ? "0.1.0" : null, plan.Blockers))
            .ActivateAsync(B, _host.Env, "d-2", "deployed", CancellationToken.None);

        // Assert: a new VM serves 0.2.0, and the step says why it restarted.
        var why = $"ERTS changed ({OtherErts} -> {ourErts}): the VM must restart";
        Assert.Equal([why], plan.Blockers);
        Assert.Null(plan.RelupPath);
        Assert.False(activated.RolledBack);
        Assert.Contains($"upgrade: restart ({why})", _host.Logs());
        Assert.Equal("counter 0.2.0", await _host.GetAsync("/"));
        Assert.True(RunState.Read(_host.Layout.SharedDir) is { Pid: { } newPid } state && state.ReleaseId == B && newPid != pid && state.VmReleaseId is null);
        Assert.Equal([(A, "deployed"), (B, "deployed")], _host.Layout.ReadRevisions().Select(r => (r.ReleaseId, r.Result)));
    }

    /// <summary>A copy of <paramref name="release"/> as the same release built with ERTS <paramref name="erts"/> would name it.</summary>
    private string WithErts(string release, string erts)
    {
        var copy = Path.Combine(_host.Root, "previous");
        CounterReleases.CopyTree(release, copy, []);
        var ertsDir = Directory.EnumerateDirectories(copy, "erts-*").Single();
        var ours = Path.GetFileName(ertsDir)["erts-".Length..];
        Directory.Move(ertsDir, Path.Combine(copy, $"erts-{erts}"));
        foreach (var file in new[] { Path.Combine(copy, "releases", "start_erl.data"), Path.Combine(copy, "releases", "0.1.0", "counter.rel") })
        {
            var text = File.ReadAllText(file);
            Assert.Contains(ours, text, StringComparison.Ordinal);
            File.WriteAllText(file, text.Replace(ours, erts, StringComparison.Ordinal));
        }

        return copy;
    }
}
