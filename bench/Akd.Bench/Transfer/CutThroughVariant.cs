using System.Security.Cryptography;
using Akd.Bench.Fleet;
using Akd.Bench.Infra;
using Akd.Contracts.V1;
using Akd.Testing;

namespace Akd.Bench.Transfer;

/// <summary>
/// Scenario 2, cut-through: a real deploy whose target follows the build agent's upload as it arrives
/// (<c>Artifacts.Follow</c>, the agent's prefetch). Timed from the build step's upload phase (the agent's event) to
/// the moment the verified release appears in the target's artifact cache (it is moved there only after its SHA-256
/// matched), against <c>cp</c> + <c>sha256sum</c> of the same release file.
/// </summary>
internal static class CutThroughVariant
{
    /// <summary>How often the bench looks for the verified file in the target's cache: the measurement's resolution.</summary>
    private static readonly TimeSpan CachePoll = TimeSpan.FromMilliseconds(5);

    public sealed record Result(Samples Akd, Samples Copy, long Size, int NotCutThrough);

    public static async Task<Result> RunAsync(BenchContext ctx, CancellationToken ct)
    {
        var o = ctx.Options;
        ctx.Log("transfer, cut-through: a coordinator, a build agent and one target");
        await using var fleet = await LocalFleet.StartAsync(new FleetOptions
        {
            Root = ctx.Work("cut-through-cluster"),
            WebAgents = 0,
            BuildAgent = "cut-build",
            BuildLabels = "role=bench-build",
            Programs = ctx.Programs,
        }, ct).ConfigureAwait(false);
        var target = await fleet.AddWebAgentAsync("cut-1", "role=cut-web", new Dictionary<string, string>(), ct).ConfigureAwait(false);
        var app = HelloSource.CopyFrom(ctx.HelloExample, ctx.Work("cut-through-src"));
        var payload = Path.Combine(app.Dir, "priv", "payload.bin");
        Directory.CreateDirectory(Path.GetDirectoryName(payload)!);
        // The release carries the payload: its tarball is the artifact, a little larger than --artifact-mb (ERTS, the app).
        await TransferScenario.WriteRandomAsync(payload, o.ArtifactBytes, ct).ConfigureAwait(false);
        var manifest = app.WriteManifest("akd.cut-through.yaml", batch: 1, targets: "role: cut-web");
        var cache = Path.Combine(target.DataDir, "cache", "artifacts");
        var copyTarget = ctx.Work("cut-through-copy.bin");

        var (akd, copy, size, notCutThrough) = (new Samples(), new Samples(), 0L, 0);
        // No warm-up run: the first build compiles the app, but before the timed window, which starts with the upload.
        for (var rep = 1; rep <= o.Repetitions; rep++)
        {
            ctx.Log($"transfer, cut-through: run {rep}/{o.Repetitions}");
            await TransferScenario.MarkAsync(payload, rep, ct).ConfigureAwait(false);
            fleet.ClearArtifactCaches();
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var held = WaitForVerifiedAsync(cache, stop.Token);
            var deploy = await AkdDeploy.RunAsync(fleet, manifest, ct).ConfigureAwait(false);
            var heldAt = await held.WaitAsync(TimeSpan.FromMinutes(1), ct).ConfigureAwait(false);
            var uploadStart = deploy.Events.First(e => e.Kind == EventKind.Progress && e.Step == StepKind.Build && e.Phase == Phase.Upload).At.ToDateTimeOffset();
            var followed = deploy.Events.Any(e => e.Kind == EventKind.Log && e.Message.Contains("was fetched while the build uploaded it", StringComparison.Ordinal));
            var artifact = await fleet.ArtifactPathAsync(deploy.Id, ct).ConfigureAwait(false);
            size = new FileInfo(artifact).Length;
            ctx.Log($"transfer, cut-through: {Samples.MiB(size)} held verified {(heldAt - uploadStart).TotalSeconds:0.00} s after the upload started" +
                (followed ? "" : " (NOT followed during the upload: the activation downloaded it)"));
            notCutThrough += followed ? 0 : 1;
            akd.Add((heldAt - uploadStart).TotalSeconds);
            copy.Add(await TransferScenario.CopyAndHashAsync(artifact, copyTarget, ct).ConfigureAwait(false));
        }

        return new Result(akd, copy, size, notCutThrough);
    }

    /// <summary>When a complete artifact (a file named by a SHA-256, not a <c>.part</c>) first appears in the cache.</summary>
    private static async Task<DateTimeOffset> WaitForVerifiedAsync(string cache, CancellationToken ct)
    {
        while (true)
        {
            if (Directory.Exists(cache) && Directory.EnumerateFiles(cache).Any(f => PieceBits.IsDigest(Path.GetFileName(f))))
            {
                return DateTimeOffset.UtcNow;
            }

            await Task.Delay(CachePoll, ct).ConfigureAwait(false);
        }
    }
}
