using System.Globalization;
using System.Runtime.InteropServices;
using Akd.Bench.Fleet;
using Akd.Bench.Footprint;
using Akd.Bench.Infra;
using Akd.Bench.Rebuild;
using Akd.Bench.Scale;
using Akd.Bench.Transfer;
using Akd.Bench.Upgrade;

namespace Akd.Bench;

/// <summary>Runs the chosen scenarios in order and writes the report.</summary>
public static class BenchRunner
{
    public static async Task<BenchReport> RunAsync(BenchOptions options, Action<string> log, CancellationToken ct)
    {
        var report = new BenchReport();
        Describe(options, report);
        Directory.CreateDirectory(options.WorkDir);
        await using var load = new MachineLoad(TimeSpan.FromSeconds(1));
        try
        {
            await using var ctx = new BenchContext(options, report, log);
            ctx.Programs.CheckBuilt();
            foreach (var scenario in options.Scenarios)
            {
                var started = load.Now;
                ctx.Log($"scenario {scenario}");
                Task run = scenario switch
                {
                    "fleet" => FleetScenario.RunAsync(ctx, ct),
                    "transfer" => TransferScenario.RunAsync(ctx, ct),
                    "footprint" => FootprintScenario.RunAsync(ctx, ct),
                    "scale" => ScaleScenario.RunAsync(ctx, ct),
                    "rebuild" => RebuildScenario.RunAsync(ctx, ct),
                    "upgrade" => UpgradeScenario.RunAsync(ctx, ct),
                    "fan-out" => FanOut.FanOutScenario.RunAsync(ctx, ct),
                    _ => throw new ArgumentException($"unknown scenario '{scenario}' (known: {string.Join(", ", BenchOptions.AllScenarios)})"),
                };
                try
                {
                    await run.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One broken scenario must not cost the others' figures: report it and go on.
                    ctx.Log($"scenario {scenario} failed: {ex}");
                    report.Failures.Add($"{scenario}: {BenchReport.FirstLine(ex.Message)}");
                    report.Section($"{scenario}: failed").Text($"```\n{BenchReport.Excerpt(ex.Message)}\n```");
                }

                var (load1, busy) = load.Between(started, load.Now);
                report.Load.Row(scenario, Samples.Seconds((load.Now - started).TotalSeconds),
                    $"{load1.Median:0.0} ({load1.Max:0.0})", $"{Samples.Percent(busy.Median)} ({Samples.Percent(busy.Max)})");
            }
        }
        finally
        {
            if (!options.KeepWork)
            {
                TryDelete(options.WorkDir);
            }
        }

        if (options.OutputFile is { } output)
        {
            var markdown = options.Merge && File.Exists(output)
                ? ReportMerge.Merge(await File.ReadAllTextAsync(output, ct).ConfigureAwait(false), report.ToMarkdown(), options.Scenarios.ToList())
                : report.ToMarkdown();
            await File.WriteAllTextAsync(output, markdown, ct).ConfigureAwait(false);
            log($"wrote {output}");
        }

        return report;
    }

    private static void Describe(BenchOptions o, BenchReport report)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        report.Context.Add($"Run at {DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC on {Environment.ProcessorCount} cores ({cpu}), " +
            $"{RuntimeInformation.OSDescription}, .NET {Environment.Version}.");
        report.Context.Add($"Parameters: {o.Repetitions} repetitions; fleet of {o.Hosts} hosts, Akd batch sizes {string.Join(", ", o.EffectiveBatchSizes)}; " +
            $"artifact {Samples.MiB(o.ArtifactBytes)}; {o.FakeAgents} simulated agents; idle windows of {o.IdleWindow.TotalSeconds:0.#} s; " +
            $"agent: {(o.AgentBinary is null ? "framework-dependent build (`dotnet akd-agent.dll`)" : "NativeAOT build")}.");
        report.Context.Add("Everything runs on this one machine: hosts are directories with their own PORT and Erlang node name; all traffic is on 127.0.0.1.");
    }

    private static void TryDelete(string dir)
    {
        try
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
