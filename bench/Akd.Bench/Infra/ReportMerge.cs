using System.Text;

namespace Akd.Bench.Infra;

/// <summary>
/// <c>--merge on</c>: a run of some scenarios replaces their figures in an existing report and keeps every other
/// scenario's (load row, targets, section) from the run that measured them, saying which run that was. Re-measuring
/// one scenario then costs that scenario, not the whole bench.
/// </summary>
public static class ReportMerge
{
    /// <summary>Scenario numbers as the report's sections and targets spell them ("1. Fleet…", "1 fleet").</summary>
    private static readonly IReadOnlyList<string> Numbered = BenchOptions.AllScenarios;

    /// <param name="previous">The report file as it was.</param>
    /// <param name="current">This run's report.</param>
    /// <param name="ran">The scenarios this run measured.</param>
    public static string Merge(string previous, string current, IReadOnlyCollection<string> ran)
    {
        var old = Parse(previous);
        var now = Parse(current);
        var kept = Numbered.Where(s => !ran.Contains(s) && old.Has(s)).ToList();
        var md = new StringBuilder();
        md.Append(now.Head.TrimEnd()).AppendLine();
        if (kept.Count > 0)
        {
            md.AppendLine($"- Kept from an earlier run (`--merge on`): {string.Join(", ", kept)}, measured in the run below; " +
                $"this run measured {string.Join(", ", ran)}.");
            foreach (var line in old.Context)
            {
                md.AppendLine($"  - earlier run: {line[2..]}");
            }
        }

        md.AppendLine().AppendLine(now.LoadIntro).AppendLine();
        Table(md, now.LoadHeader, Numbered.SelectMany(s => ran.Contains(s) ? now.LoadRows(s) : old.LoadRows(s)));
        md.AppendLine().AppendLine("## Targets").AppendLine();
        Table(md, now.TargetHeader, Numbered.SelectMany(s => ran.Contains(s) ? now.TargetRows(s) : old.TargetRows(s)));
        foreach (var failure in now.Failures)
        {
            md.AppendLine().AppendLine(failure);
        }

        foreach (var section in Numbered.SelectMany(s => ran.Contains(s) ? now.SectionsOf(s) : old.SectionsOf(s)))
        {
            md.AppendLine().Append(section.TrimEnd()).AppendLine();
        }

        return md.ToString();
    }

    private static void Table(StringBuilder md, IReadOnlyList<string> header, IEnumerable<string> rows)
    {
        foreach (var line in header.Concat(rows))
        {
            md.AppendLine(line);
        }
    }

    private static Parsed Parse(string markdown)
    {
        var lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        var loadAt = Array.FindIndex(lines, l => l.StartsWith("Machine load while", StringComparison.Ordinal));
        var targetsAt = Array.FindIndex(lines, l => l == "## Targets");
        if (loadAt < 0 || targetsAt < loadAt)
        {
            throw new InvalidOperationException("--merge on: the existing report is not one bench/run.sh wrote (no load table or no targets)");
        }

        var head = string.Join('\n', lines[..loadAt]);
        var context = lines[..loadAt].Where(l => l.StartsWith("- ", StringComparison.Ordinal)).ToList();
        var load = TableAt(lines, loadAt + 2);
        var targets = TableAt(lines, targetsAt + 2);
        var rest = lines[(targetsAt + 2 + targets.Count)..];
        var failures = rest.TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)).Where(l => l.StartsWith("**Scenario failed**", StringComparison.Ordinal)).ToList();
        var sections = new List<List<string>>();
        foreach (var line in rest.SkipWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)))
        {
            if (line.StartsWith("## ", StringComparison.Ordinal))
            {
                sections.Add([]);
            }

            sections[^1].Add(line);
        }

        return new Parsed(head, context, lines[loadAt], load, targets, failures.Select(BenchReport.FirstLine).ToList(), sections.Select(Section).ToList());
    }

    /// <summary>A section's text; a failed scenario's (from before failures were cut short) as <see cref="BenchReport.Excerpt"/> shows it.</summary>
    private static string Section(List<string> lines) =>
        lines[0].EndsWith(": failed", StringComparison.Ordinal) && lines.Count > 30
            ? $"{lines[0]}\n\n```\n{BenchReport.Excerpt(string.Join('\n', lines.Skip(3).TakeWhile(l => l != "```")))}\n```\n"
            : string.Join('\n', lines) + "\n";

    /// <summary>A markdown table starting at <paramref name="at"/>: header, separator, rows up to the first blank line.</summary>
    private static List<string> TableAt(string[] lines, int at) => lines.Skip(at).TakeWhile(l => l.StartsWith('|')).ToList();

    private sealed record Parsed(string Head, List<string> Context, string LoadIntro, List<string> Load, List<string> Targets, List<string> Failures, List<string> Sections)
    {
        public IReadOnlyList<string> LoadHeader => Load.Take(2).ToList();

        public IReadOnlyList<string> TargetHeader => Targets.Take(2).ToList();

        public bool Has(string scenario) => LoadRows(scenario).Any();

        public IEnumerable<string> LoadRows(string scenario) => Load.Skip(2).Where(r => FirstCell(r) == scenario);

        public IEnumerable<string> TargetRows(string scenario) => Targets.Skip(2).Where(r => FirstCell(r) == $"{Number(scenario)} {scenario}");

        /// <summary>"## N. …" sections, and "## scenario: failed" of a scenario that broke.</summary>
        public IEnumerable<string> SectionsOf(string scenario) => Sections.Where(s =>
            s.StartsWith($"## {Number(scenario)}. ", StringComparison.Ordinal) || s.StartsWith($"## {scenario}: failed", StringComparison.Ordinal));

        private static int Number(string scenario) => Numbered.TakeWhile(s => s != scenario).Count() + 1;

        private static string FirstCell(string row) => row.Split('|', StringSplitOptions.TrimEntries)[1];
    }
}
