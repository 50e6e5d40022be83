using Akd.Bench.Infra;

namespace Akd.IntegrationTests;

/// <summary>bench/run.sh --scenarios S --merge on: S's figures are replaced, every other scenario's are kept with their run named.</summary>
public sealed class BenchReportMergeTests
{
    [Fact]
    public void Merge_OneScenarioReRun_ReplacesItsLoadTargetsAndSectionAndKeepsTheOthersWithTheirRun()
    {
        // Arrange: an earlier full report (fleet and upgrade, upgrade broken), and a run of upgrade alone.
        var earlier = Report("Run at 2026-11-26 23:15 UTC", ("fleet", "1 fleet", "1. Fleet deploy", "25.7 s"), ("upgrade", "6 upgrade", null, "—"));
        var now = Report("Run at 2026-12-02 08:30 UTC", ("upgrade", "6 upgrade", "6. Upgrade", "0.4 s"));

        // Act
        var merged = ReportMerge.Merge(earlier, now, ["upgrade"]);

        // Assert: both scenarios once, in scenario order; fleet's figures from the earlier run, which is named.
        Assert.StartsWith("# Akd benchmark results", merged);
        Assert.Contains("- Run at 2026-12-02 08:30 UTC", merged);
        Assert.Contains("Kept from an earlier run (`--merge on`): fleet", merged);
        Assert.Contains("  - earlier run: Run at 2026-11-26 23:15 UTC", merged);
        Assert.Single(Lines(merged, "| fleet | "));
        Assert.Single(Lines(merged, "| upgrade | "));
        Assert.Contains("| 1 fleet | target of fleet | 25.7 s | yes |  |", merged);
        Assert.Contains("| 6 upgrade | target of upgrade | 0.4 s | yes |  |", merged);
        Assert.DoesNotContain("upgrade: failed", merged);
        Assert.DoesNotContain("**Scenario failed**", merged);
        Assert.True(merged.IndexOf("## 1. Fleet deploy", StringComparison.Ordinal) < merged.IndexOf("## 6. Upgrade", StringComparison.Ordinal));
        Assert.Contains("figures of fleet: 25.7 s", merged);
    }

    [Fact]
    public void Merge_PreviousFileNotABenchReport_RefusedSayingWhy()
    {
        // Arrange
        var now = Report("Run at 2026-12-02 08:30 UTC", ("upgrade", "6 upgrade", "6. Upgrade", "0.4 s"));

        // Act, Assert
        var ex = Assert.Throws<InvalidOperationException>(() => ReportMerge.Merge("# notes\n\nsomething else\n", now, ["upgrade"]));
        Assert.Contains("not one bench/run.sh wrote", ex.Message);
    }

    private static IEnumerable<string> Lines(string markdown, string prefix) =>
        markdown.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal));

    /// <summary>A report as BenchRunner writes it; a scenario without a section title broke.</summary>
    private static string Report(string context, params (string Name, string Label, string? Section, string Figure)[] scenarios)
    {
        var report = new BenchReport();
        report.Context.Add(context);
        foreach (var (name, label, section, figure) in scenarios)
        {
            report.Load.Row(name, "10 s", "1.0 (1.0)", "5 % (9 %)");
            if (section is null)
            {
                report.Failures.Add($"{name}: it broke");
                report.Section($"{name}: failed").Text("it broke");
                continue;
            }

            report.Target(label, $"target of {name}", figure, met: true);
            report.Section(section).Text($"figures of {name}: {figure}");
        }

        return report.ToMarkdown();
    }
}
