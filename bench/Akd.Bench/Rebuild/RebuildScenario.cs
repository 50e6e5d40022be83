using Akd.Bench.Fleet;
using Akd.Bench.Infra;
using Akd.Contracts.V1;

namespace Akd.Bench.Rebuild;

/// <summary>
/// Scenario 5: the build agent keeps the app's workspace (deps, _build) between deployments. A clean
/// build (workspace deleted first, as edeliver and bootleg always <c>mix clean</c>) against a rebuild
/// after one module changed, both through a real deploy, timed from the build step's stored events.
/// </summary>
public static class RebuildScenario
{
    public static async Task RunAsync(BenchContext ctx, CancellationToken ct)
    {
        var o = ctx.Options;
        var cluster = await ctx.FleetAsync(ct).ConfigureAwait(false);
        var variants = new List<(string Label, int Modules)> { ("examples/hello (5 modules)", 0) };
        if (o.GeneratedModules > 0)
        {
            variants.Add(($"hello + {o.GeneratedModules} generated modules", o.GeneratedModules));
        }

        var section = ctx.Report.Section("5. Warm rebuild on the build agent");
        section.Text(
            "Both through `akdctl deploy` (delivered to one host), timed from the build step's stored events: from the " +
            "coordinator starting the step to its result (source download and unpack, `mix deps.get`, `mix release`, pack, " +
            "verify, upload). *mix* is the part between the step's `build` and `upload` phases. Clean: the agent's workspace " +
            "for the app is deleted first. Warm: one module's code changed since the previous build. Hex packages cannot be " +
            "fetched here, so the second app stands in for a mid-sized project with generated modules of plain functions.");
        var table = section.Table("app", "clean build", "clean: mix", "warm rebuild", "warm: mix", "warm vs clean");
        var workspace = Path.Combine(cluster.BuildDataDir, "builds", "hello");
        for (var v = 0; v < variants.Count; v++)
        {
            var (label, modules) = variants[v];
            var app = HelloSource.CopyFrom(ctx.HelloExample, ctx.Work($"rebuild-src-{v}"));
            if (modules > 0)
            {
                app.GenerateModules(modules);
            }

            var manifest = app.WriteManifest("akd.rebuild.yaml", 1, "role: bench-web, host: \"1\"");
            var clean = new Samples();
            var cleanMix = new Samples();
            var warm = new Samples();
            var warmMix = new Samples();
            for (var rep = 1; rep <= o.Repetitions; rep++)
            {
                ctx.Log($"rebuild: {label}, run {rep}/{o.Repetitions}: clean, then one module changed");
                if (Directory.Exists(workspace))
                {
                    Directory.Delete(workspace, recursive: true);
                }

                var c = await AkdDeploy.RunAsync(cluster, manifest, ct).ConfigureAwait(false);
                clean.Add(c.Build.TotalSeconds);
                cleanMix.Add(c.BuildPhase(Phase.Build, Phase.Upload).TotalSeconds);

                app.ChangeOneModule(rep);
                var w = await AkdDeploy.RunAsync(cluster, manifest, ct).ConfigureAwait(false);
                warm.Add(w.Build.TotalSeconds);
                warmMix.Add(w.BuildPhase(Phase.Build, Phase.Upload).TotalSeconds);
            }

            var ratio = warm.Median / clean.Median;
            table.Row(label, clean.Format(Samples.Seconds), cleanMix.Format(Samples.Seconds), warm.Format(Samples.Seconds), warmMix.Format(Samples.Seconds), Samples.Ratio(ratio));
            ctx.Report.Target("5 rebuild", $"warm rebuild ≤ 0.3× clean, {label}", Samples.Ratio(ratio), ratio <= 0.3,
                $"{Samples.Seconds(warm.Median)} vs {Samples.Seconds(clean.Median)}");
        }
    }
}
