using Akd.Bench;
using Akd.Bench.Fleet;
using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// bench/run.sh with tiny parameters (2 hosts, one run, a 4 MiB artifact, 20 fake agents), through the
/// same code path, so the harness keeps working. The figures are not checked: timing belongs to bench/.
/// </summary>
public sealed class BenchSmokeTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _report = Path.Combine(Path.GetTempPath(), $"akd-bench-smoke-{Guid.NewGuid():N}.md");

    public void Dispose() => File.Delete(_report);

    [Fact(Timeout = 240_000)]
    public async Task Run_FleetAndRebuildOnTwoHosts_ReportsAkdBesideEachBaselineAndEveryTarget()
    {
        // Arrange
        var options = Small("fleet", "rebuild");

        // Act
        var report = await BenchRunner.RunAsync(options, output.WriteLine, CancellationToken.None);

        // Assert: no scenario broke; a fleet row for Akd and the floor at both widths, the SSH way in both modes when sshd is here.
        var markdown = File.ReadAllText(_report);
        output.WriteLine(markdown);
        Assert.Empty(report.Failures);
        var fleet = report.Sections.Single(s => s.Title.StartsWith("1. Fleet deploy", StringComparison.Ordinal)).Tables.Single();
        Assert.Equal(["floor|1", "**Akd**|1", "floor|2", "**Akd**|2"], fleet.Rows.Take(4).Select(r => $"{r[0]}|{r[1]}"));
        Assert.All(fleet.Rows, row => Assert.EndsWith(" s", row[2]));
        if (options.Ssh)
        {
            Assert.Equal(["SSH, host after host", "SSH, all at once"], fleet.Rows.Skip(4).Select(r => r[0]));
        }

        Assert.Equal(options.Ssh ? 4 : 3, report.Targets.Count(t => t.Scenario == "1 fleet"));
        Assert.Single(report.Targets, t => t.Scenario == "5 rebuild");
        Assert.Contains("## 5. Warm rebuild", markdown);
    }

    [Fact(Timeout = 300_000)]
    public async Task Run_TransferFootprintAndScaleSmall_ReportsEveryTargetWithAFigure()
    {
        // Arrange
        var options = Small("transfer", "footprint", "scale");

        // Act
        var report = await BenchRunner.RunAsync(options, output.WriteLine, CancellationToken.None);

        // Assert: every target of the three scenarios was measured, and the report file says so.
        output.WriteLine(File.ReadAllText(_report));
        Assert.Empty(report.Failures);
        Assert.Equal(["2 transfer", "2 cut-through", "3 footprint", "3 footprint", "4 scale", "4 scale", "4 scale", "4 scale", "4 scale", "4 scale"], report.Targets.Select(t => t.Scenario));
        Assert.All(report.Targets, t => Assert.Matches("[0-9]", t.Measured));
        var transfer = report.Sections.Single(s => s.Title.StartsWith("2. Artifact transfer", StringComparison.Ordinal)).Tables.First();
        Assert.Contains(transfer.Rows, row => row[0].StartsWith("TLS floor", StringComparison.Ordinal) && row[1].EndsWith(" s", StringComparison.Ordinal));
        Assert.Equal(["transfer", "footprint", "scale"], report.Load.Rows.Select(r => r[0]));
    }

    private BenchOptions Small(params string[] scenarios) => new()
    {
        RepoRoot = RepoRoot.Path,
        Configuration = RepoRoot.Configuration,
        OutputFile = _report,
        Scenarios = scenarios,
        Repetitions = 1,
        Hosts = 2,
        BatchSizes = [1],
        ArtifactBytes = 4L * 1024 * 1024,
        FakeAgents = 20,
        IdleWindow = TimeSpan.FromSeconds(1),
        GeneratedModules = 0,
        Ssh = SshServer.IsInstalled,
    };
}
