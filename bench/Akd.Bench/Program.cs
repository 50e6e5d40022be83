using System.Globalization;
using Akd.Bench;
using Akd.Bench.Infra;
using Akd.Testing;

// bench/run.sh builds everything and calls this; see bench/README.md for the options.
var root = RepoRoot.Find(AppContext.BaseDirectory);
var values = new Dictionary<string, string>(StringComparer.Ordinal);
for (var i = 0; i < args.Length; i++)
{
    if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
    {
        Console.Error.WriteLine($"Akd.Bench: expected --option value pairs, got '{args[i]}' (see bench/README.md)");
        return 2;
    }

    values[args[i][2..]] = args[++i];
}

int Int(string name, int fallback) => values.TryGetValue(name, out var v) ? int.Parse(v, CultureInfo.InvariantCulture) : fallback;
string? Text(string name) => values.GetValueOrDefault(name);

var defaults = new BenchOptions { RepoRoot = root };
var options = new BenchOptions
{
    RepoRoot = root,
    OutputFile = Text("out") ?? Path.Combine(root, "bench", "RESULTS.md"),
    Scenarios = Text("scenarios")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? BenchOptions.AllScenarios,
    Repetitions = Int("reps", defaults.Repetitions),
    Hosts = Int("hosts", defaults.Hosts),
    BatchSizes = Text("batches")?.Split(',').Select(b => int.Parse(b, CultureInfo.InvariantCulture)).ToList() ?? defaults.BatchSizes,
    ArtifactBytes = Int("artifact-mb", (int)(defaults.ArtifactBytes >> 20)) * 1024L * 1024,
    FakeAgents = Int("fake-agents", defaults.FakeAgents),
    ScaleParts = Text("scale-parts")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? defaults.ScaleParts,
    FanOutSizes = Text("fanout-sizes")?.Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList() ?? defaults.FanOutSizes,
    FanOutBytes = Int("fanout-mb", (int)(defaults.FanOutBytes >> 20)) * 1024L * 1024,
    IdleWindow = TimeSpan.FromSeconds(Int("idle-seconds", (int)defaults.IdleWindow.TotalSeconds)),
    AgentBinary = Text("agent"),
    Ssh = Text("ssh") != "off",
    CutThrough = Text("cut-through") != "off",
    GeneratedModules = Int("generated-modules", defaults.GeneratedModules),
    KeepWork = Text("keep-work") == "on",
    Merge = Text("merge") == "on",
};

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

try
{
    var report = await BenchRunner.RunAsync(options, Console.WriteLine, cancel.Token);
    var missed = report.Targets.Count(t => !t.Met);
    Console.WriteLine($"{report.Targets.Count} targets, {missed} missed; {report.Failures.Count} scenario(s) failed");
    return report.Failures.Count == 0 ? 0 : 1;
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine("Akd.Bench: cancelled");
    return 130;
}
