using System.Diagnostics;
using System.Security.Cryptography;
using Akd.Bench.Infra;
using Akd.Client.Artifacts;
using Akd.Client.Channels;
using Akd.Contracts.Trust;
using Akd.Contracts.V1;
using Akd.Testing;

namespace Akd.Bench.Transfer;

/// <summary>
/// Scenario 2: one big artifact from a build agent to a target agent through the coordinator, with the
/// agents' own transfer code (Akd.Client's ArtifactTransfer: upload hashed as it streams, download verified by SHA-256) against a
/// real coordinator process, compared with <c>cp</c> + <c>sha256sum</c> of the same file on the same disk.
/// </summary>
public static class TransferScenario
{
    public static async Task RunAsync(BenchContext ctx, CancellationToken ct)
    {
        var o = ctx.Options;
        var root = ctx.Work("transfer");
        Directory.CreateDirectory(root);
        var source = Path.Combine(root, "artifact.bin");
        ctx.Log($"transfer: writing a {Samples.MiB(o.ArtifactBytes)} artifact of random bytes");
        await WriteRandomAsync(source, o.ArtifactBytes, ct).ConfigureAwait(false);

        var coordinatorData = Path.Combine(root, "coordinator");
        using var coordinator = await TestCoordinator.StartAsync(ctx.Programs, coordinatorData, ct).ConfigureAwait(false);
        // An agent uploads only within a build step it runs, and downloads only what a step of its needs; this
        // scenario runs no deployment, so both hops go with an operator's token (akdctl's channel). The bytes
        // take the same path through the same client library and coordinator code.
        using var build = AgentSide.Operator(coordinator, Path.Combine(root, "build-agent"));
        var target = build; // the uploader reads its artifact back

        using var floor = new TlsFloor();
        var floorStored = Path.Combine(root, "tls-floor-stored.bin");
        var floorReceived = Path.Combine(root, "tls-floor-received.bin");

        // Warm-up (not measured): JIT, the first HTTP/2 connections, the page cache for the source.
        await MoveAsync(build, target, source, coordinator.Process.Pid, ct).ConfigureAwait(false);
        await MoveBareAsync(floor, source, floorStored, floorReceived, ct).ConfigureAwait(false);

        var copy = new Samples();
        var upload = new Samples();
        var download = new Samples();
        var total = new Samples();
        var bare = new Samples();
        var (upServerCpu, upClientCpu, downServerCpu, downClientCpu) = (new Samples(), new Samples(), new Samples(), new Samples());
        var copyTarget = Path.Combine(root, "copy.bin");
        for (var rep = 1; rep <= o.Repetitions; rep++)
        {
            ctx.Log($"transfer: run {rep}/{o.Repetitions}");
            // A different first byte each run: a new digest, so nothing is served from a cache or deduplicated.
            await MarkAsync(source, rep, ct).ConfigureAwait(false);

            // Alternate which way goes first, so whatever one run leaves behind (page cache, writeback) weighs on both.
            if (rep % 2 == 1)
            {
                copy.Add(await CopyAndHashAsync(source, copyTarget, ct).ConfigureAwait(false));
            }

            var (up, down, stored) = await MoveAsync(build, target, source, coordinator.Process.Pid, ct).ConfigureAwait(false);
            upload.Add(up.Wall.TotalSeconds);
            download.Add(down.Wall.TotalSeconds);
            total.Add((up.Wall + down.Wall).TotalSeconds);
            upServerCpu.Add(up.ServerCpu.TotalSeconds);
            upClientCpu.Add(up.ClientCpu.TotalSeconds);
            downServerCpu.Add(down.ServerCpu.TotalSeconds);
            downClientCpu.Add(down.ClientCpu.TotalSeconds);
            File.Delete(Path.Combine(coordinatorData, "artifacts", "sha256", stored.Sha256[..2], stored.Sha256));
            bare.Add((await MoveBareAsync(floor, source, floorStored, floorReceived, ct).ConfigureAwait(false)).TotalSeconds);
            if (rep % 2 == 0)
            {
                copy.Add(await CopyAndHashAsync(source, copyTarget, ct).ConfigureAwait(false));
            }
        }

        var section = ctx.Report.Section($"2. Artifact transfer: {Samples.MiB(o.ArtifactBytes)}, build agent → coordinator → target agent");
        section.Text(
            "Akd: the client library's ArtifactTransfer (the code the build and activate steps and akdctl use) in the bench process, " +
            "against a real coordinator process: upload from the build agent's data dir (the stream, hashed as it goes, then its " +
            "digest; the coordinator hashes as it writes and refuses a mismatch), then download into the target agent's cache, verified by SHA-256 before use " +
            "(both over TLS with an operator's token: outside a build step an agent may not upload). " +
            "Baseline: `cp` of the same file plus `sha256sum` of the copy: one copy and one hash on the same disk. " +
            "Every run changes the file's first bytes, so no side can reuse a cached copy. Dirty pages are written out " +
            "(`sync`, not timed) before the baseline and before each Akd hop, as if each hop ran on its own host: on this " +
            "VM, writing 512 MiB while another GiB is still dirty costs several times the kernel time of writing it clean. " +
            "For the same reason each step runs with the files its own host would cache: the build agent's file is cached when " +
            "`cp` or the upload reads it, and dropped from the page cache before the download, which runs on the target host " +
            "(bench/README.md: on this VM, pages first touched past about 2.5 GB in use cost the host a fault each).");
        var size = o.ArtifactBytes;
        var table = section.Table("way", "time", "throughput", "vs cp + sha256sum");
        table.Row("cp + sha256sum", copy.Format(Samples.Seconds), Samples.MiBps(size / copy.Median), "1.00×");
        table.Row("Akd upload (build agent → coordinator)", upload.Format(Samples.Seconds), Samples.MiBps(size / upload.Median), Samples.Ratio(copy.Median / upload.Median));
        table.Row("Akd download (coordinator → target, verified)", download.Format(Samples.Seconds), Samples.MiBps(size / download.Median), Samples.Ratio(copy.Median / download.Median));
        table.Row("**Akd end to end**", total.Format(Samples.Seconds), Samples.MiBps(size / total.Median), Samples.Ratio(copy.Median / total.Median));
        table.Row("TLS floor: the same two hops over a bare TLS socket pair, no Akd", bare.Format(Samples.Seconds), Samples.MiBps(size / bare.Median), Samples.Ratio(copy.Median / bare.Median));
        section.Text(
            "The TLS floor is what any transfer of these bytes over TLS costs on this machine (Transfer/TlsFloor.cs): two " +
            "SslStream pairs on loopback in the bench process (TLS 1.3, a pinned ECDSA P-256 certificate, as the coordinator's), " +
            "doing the hops' own work and nothing else: the upload's sender hashes what it reads and its receiver hashes and " +
            "writes; the download's sender reads the stored file and its receiver hashes and writes, 64 KiB at a time, with the same " +
            "page cache as Akd's hops. Akd end to end runs at " + Samples.Ratio(bare.Median / total.Median) + " of the floor's throughput.");
        section.Text(
            "CPU time of each hop, from /proc: the coordinator process's, and the client's (the bench process, which does nothing " +
            "else meanwhile). The two share the machine's cores, so on a busy machine wall time follows their sum; CPU time " +
            "compares changes to the transfer path when wall times are noisy.");
        var cpuTable = section.Table("hop", "coordinator CPU", "client CPU");
        cpuTable.Row("upload", upServerCpu.Format(Samples.Seconds), upClientCpu.Format(Samples.Seconds));
        cpuTable.Row("download", downServerCpu.Format(Samples.Seconds), downClientCpu.Format(Samples.Seconds));
        var ratio = copy.Median / total.Median;
        ctx.Report.Target("2 transfer", "Akd ≥ 0.5× the throughput of cp + sha256sum", Samples.Ratio(ratio), ratio >= 0.5,
            $"{Samples.MiBps(size / total.Median)} vs {Samples.MiBps(size / copy.Median)}");

        if (!o.CutThrough)
        {
            section.Text("Cut-through: not run (`--cut-through off`).");
            return;
        }

        var cut = await CutThroughVariant.RunAsync(ctx, ct).ConfigureAwait(false);
        section.Text(
            "Cut-through: a real deploy of examples/hello carrying the same amount of random bytes in priv/ (its release tarball is the " +
            "artifact, a little larger), to one target that follows the build agent's upload as it arrives (`Artifacts.Follow`, the " +
            "agent's prefetch). Timed from the build step's upload phase (the build agent's event) until the verified release appears " +
            "in the target's artifact cache (moved there only once its whole SHA-256 matched; looked for every 5 ms), against `cp` + " +
            "`sha256sum` of that release file. The upload starts right after the build wrote the tarball, with its pages still dirty; " +
            "the baseline starts after a `sync`." +
            (cut.NotCutThrough > 0 ? $" In {cut.NotCutThrough} run(s) the target did not follow the upload (its activation downloaded the release)." : ""));
        var cutTable = section.Table("way", "time", "throughput", "vs cp + sha256sum");
        cutTable.Row($"cp + sha256sum ({Samples.MiB(cut.Size)} release)", cut.Copy.Format(Samples.Seconds), Samples.MiBps(cut.Size / cut.Copy.Median), "1.00×");
        cutTable.Row("**Akd cut-through** (upload start → target holds the verified file)", cut.Akd.Format(Samples.Seconds),
            Samples.MiBps(cut.Size / cut.Akd.Median), Samples.Ratio(cut.Copy.Median / cut.Akd.Median));
        var cutRatio = cut.Copy.Median / cut.Akd.Median;
        ctx.Report.Target("2 cut-through", "Akd cut-through end to end ≥ 1.0× the throughput of cp + sha256sum", Samples.Ratio(cutRatio), cutRatio >= 1.0,
            $"{Samples.MiBps(cut.Size / cut.Akd.Median)} vs {Samples.MiBps(cut.Size / cut.Copy.Median)}");
    }

    /// <summary>One timed hop: its wall time and the CPU time the coordinator and the client (this process) used in it.</summary>
    private readonly record struct Hop(TimeSpan Wall, TimeSpan ServerCpu, TimeSpan ClientCpu);

    private static async Task<(Hop Upload, Hop Download, ArtifactRef Stored)> MoveAsync(AgentSide build, AgentSide target, string source, int coordinatorPid, CancellationToken ct)
    {
        await SettleAsync(ct).ConfigureAwait(false);
        await CacheAsync(source, ct).ConfigureAwait(false);
        var hop = HopClock.Start(coordinatorPid);
        var stored = await build.Transfer.UploadAsync(source, "release", ct).ConfigureAwait(false);
        var upload = hop.Stop();
        await SettleAsync(ct).ConfigureAwait(false);
        await UncacheAsync(source, ct).ConfigureAwait(false);
        hop = HopClock.Start(coordinatorPid);
        var local = await target.Transfer.DownloadAsync(stored, target.CacheDir, _ => { }, ct).ConfigureAwait(false);
        var download = hop.Stop();
        File.Delete(local);
        return (upload, download, stored);
    }

    /// <summary>The TLS floor's two hops, with the page cache handled as for Akd's (<see cref="MoveAsync"/>).</summary>
    private static async Task<TimeSpan> MoveBareAsync(TlsFloor floor, string source, string stored, string received, CancellationToken ct)
    {
        await SettleAsync(ct).ConfigureAwait(false);
        await CacheAsync(source, ct).ConfigureAwait(false);
        var upload = await floor.HopAsync(source, stored, senderHashes: true, ct).ConfigureAwait(false);
        await SettleAsync(ct).ConfigureAwait(false);
        await UncacheAsync(source, ct).ConfigureAwait(false);
        var download = await floor.HopAsync(stored, received, senderHashes: false, ct).ConfigureAwait(false);
        File.Delete(stored);
        File.Delete(received);
        return upload + download;
    }

    /// <summary>Wall clock plus the CPU time of the coordinator and of this process since <see cref="Start"/>.</summary>
    private readonly record struct HopClock(Stopwatch Watch, int CoordinatorPid, TimeSpan ServerCpu, TimeSpan ClientCpu)
    {
        public static HopClock Start(int coordinatorPid) =>
            new(Stopwatch.StartNew(), coordinatorPid, ProcStats.CpuTime(coordinatorPid), Process.GetCurrentProcess().TotalProcessorTime);

        public Hop Stop() => new(Watch.Elapsed, ProcStats.CpuTime(CoordinatorPid) - ServerCpu, Process.GetCurrentProcess().TotalProcessorTime - ClientCpu);
    }

    internal static async Task<double> CopyAndHashAsync(string source, string copy, CancellationToken ct)
    {
        await SettleAsync(ct).ConfigureAwait(false);
        await CacheAsync(source, ct).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        await Command.RunAsync("cp", [source, copy], ct).ConfigureAwait(false);
        await Command.RunAsync("sha256sum", [copy], ct).ConfigureAwait(false);
        var seconds = watch.Elapsed.TotalSeconds;
        File.Delete(copy);
        return seconds;
    }

    /// <summary>
    /// Writes dirty pages out before each timed hop (not timed). On separate hosts the target's writes do
    /// not queue behind the coordinator's; here they share one page cache, and writing 512 MiB while
    /// another 1 GiB is dirty costs this VM several times more kernel time than writing it clean.
    /// </summary>
    private static Task SettleAsync(CancellationToken ct) => Command.RunAsync("sync", [], ct);

    // What each host holds in its page cache: the build agent's file is in the build host's cache when it is read (by
    // cp or the upload), and in no cache during the download, which runs on the target host. On one machine all three
    // hops share a page cache, and on this VM memory past about 2.5 GB in use costs the host a fault per page first
    // touched: writing a 512 MiB file cost 0.17 s of CPU with 1 GiB of files cached and 1.3-1.6 s with 2 GiB (a plain
    // writer; bench/README.md). With the build's file still cached, the download was the only hop over that line.

    /// <summary>Reads <paramref name="path"/> into the page cache (not timed): the host that reads it has it cached.</summary>
    private static Task CacheAsync(string path, CancellationToken ct) =>
        Command.RunAsync("dd", [$"if={path}", "of=/dev/null", "bs=1M", "status=none"], ct);

    /// <summary>Drops <paramref name="path"/>'s clean pages from the page cache (dd's nocache: posix_fadvise DONTNEED).</summary>
    private static Task UncacheAsync(string path, CancellationToken ct) =>
        Command.RunAsync("dd", [$"if={path}", "iflag=nocache", "count=0", "status=none"], ct);

    internal static async Task WriteRandomAsync(string path, long size, CancellationToken ct)
    {
        var block = RandomNumberGenerator.GetBytes(1 << 20);
        await using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20, useAsync: true);
        for (long written = 0; written < size; written += block.Length)
        {
            var count = (int)Math.Min(block.Length, size - written);
            BitConverter.TryWriteBytes(block, written); // every block differs from the others
            await file.WriteAsync(block.AsMemory(0, count), ct).ConfigureAwait(false);
        }
    }

    internal static async Task MarkAsync(string path, int rep, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Write);
        await file.WriteAsync(BitConverter.GetBytes(rep + 1_000_000L), ct).ConfigureAwait(false);
    }

    /// <summary>One side of a transfer: a data dir, a TLS channel to the coordinator and the client library's transfer.</summary>
    private sealed class AgentSide : IDisposable
    {
        private readonly ClientChannel _channel;

        private AgentSide(ClientChannel channel, string dataDir)
        {
            _channel = channel;
            Transfer = new ArtifactTransfer(channel.Invoker, new ArtifactTransferOptions());
            CacheDir = Path.Combine(dataDir, "cache", "artifacts");
        }

        /// <summary>The channel akdctl opens: the coordinator's CA pinned, the admin token as bearer.</summary>
        public static AgentSide Operator(TestCoordinator coordinator, string dataDir) => new(
            new ClientChannel(new ClientChannelOptions { Address = coordinator.Url, Ca = CaTrust.LoadCertificate(coordinator.CaFile), BearerToken = coordinator.AdminToken }),
            dataDir);

        public ArtifactTransfer Transfer { get; }

        /// <summary>Where the agent's downloads land (its <c>cache/artifacts</c>).</summary>
        public string CacheDir { get; }

        public void Dispose() => _channel.Dispose();
    }
}
