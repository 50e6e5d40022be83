using System.Text;

namespace Akd.Bench.Infra;

/// <summary>What the run found: one section per scenario, and every target with whether it was met.</summary>
public sealed class BenchReport
{
    public List<ReportSection> Sections { get; } = [];

    public List<TargetCheck> Targets { get; } = [];

    /// <summary>Scenarios that broke, with the reason; their section says so too.</summary>
    public List<string> Failures { get; } = [];

    /// <summary>Facts about the machine and the parameters, printed at the top.</summary>
    public List<string> Context { get; } = [];

    /// <summary>Machine load per scenario: how noisy the figures are.</summary>
    public ReportTable Load { get; } = new("scenario", "duration", "load average (1 min), median (max)", "CPU busy, all cores, median (max)");

    public ReportSection Section(string title)
    {
        var section = new ReportSection(title);
        Sections.Add(section);
        return section;
    }

    /// <summary>The first line of a failure (a failed akdctl run's message carries its whole output).</summary>
    public static string FirstLine(string message) => message.Split('\n', 2)[0];

    /// <summary>
    /// A failure as the report shows it: its first line and its last lines, where the reason usually is. The whole
    /// of it is in the run's log; a report of megabytes helps no reader.
    /// </summary>
    public static string Excerpt(string message, int lastLines = 20)
    {
        var lines = message.Split('\n');
        return lines.Length <= lastLines + 1
            ? message
            : string.Join('\n', [lines[0], $"… ({lines.Length - lastLines - 1} lines left out; the run's log has them)", .. lines[^lastLines..]]);
    }

    public void Target(string scenario, string target, string measured, bool met, string note = "") =>
        Targets.Add(new TargetCheck(scenario, target, measured, met, note));

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine("# Akd benchmark results").AppendLine();
        md.AppendLine("Written by `bench/run.sh` (see bench/README.md); do not edit by hand. Every figure is a median over");
        md.AppendLine("the repetitions with the min–max range in brackets; every ratio compares figures taken in this same run.").AppendLine();
        foreach (var line in Context)
        {
            md.AppendLine($"- {line}");
        }

        md.AppendLine().AppendLine("Machine load while each scenario ran (the machine may be shared; a busy machine makes every figure slower and noisier):").AppendLine();
        Load.Write(md);

        md.AppendLine().AppendLine("## Targets").AppendLine();
        var targets = new ReportTable("scenario", "target", "measured", "met", "note");
        foreach (var t in Targets)
        {
            targets.Row(t.Scenario, t.Target, t.Measured, t.Met ? "yes" : "**no**", t.Note);
        }

        targets.Write(md);
        foreach (var failure in Failures)
        {
            md.AppendLine().AppendLine($"**Scenario failed**: {failure}");
        }

        foreach (var section in Sections)
        {
            md.AppendLine();
            section.Write(md);
        }

        return md.ToString();
    }
}

public sealed record TargetCheck(string Scenario, string Target, string Measured, bool Met, string Note);

public sealed class ReportSection(string title)
{
    private readonly List<object> _parts = [];

    public string Title => title;

    public IEnumerable<ReportTable> Tables => _parts.OfType<ReportTable>();

    public void Text(string paragraph) => _parts.Add(paragraph);

    public ReportTable Table(params string[] headers)
    {
        var table = new ReportTable(headers);
        _parts.Add(table);
        return table;
    }

    public void Write(StringBuilder md)
    {
        md.AppendLine($"## {title}");
        foreach (var part in _parts)
        {
            md.AppendLine();
            if (part is ReportTable table)
            {
                table.Write(md);
            }
            else
            {
                md.AppendLine((string)part);
            }
        }
    }
}

public sealed class ReportTable(params string[] headers)
{
    public List<string[]> Rows { get; } = [];

    public void Row(params string[] cells) => Rows.Add(cells);

    public void Write(StringBuilder md)
    {
        md.AppendLine("| " + string.Join(" | ", headers) + " |");
        md.AppendLine("|" + string.Concat(headers.Select(_ => "---|")));
        foreach (var row in Rows)
        {
            md.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|"))) + " |");
        }
    }
}
