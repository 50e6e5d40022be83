using System.Globalization;

namespace Akd.Bench.Fleet;

/// <summary>
/// Where one host's time went, in seconds, split the same way for Akd, the SSH way and the floor:
/// transfer (artifact to the host), unpack, stop (old VM gone), start (switch + <c>bin/APP daemon</c>),
/// first answer (until the health check passed), and other (for Akd: from the coordinator sending the
/// step to the agent starting the download, i.e. dispatch and manifest parsing).
/// </summary>
public sealed record HostPhases(double Transfer, double Unpack, double Stop, double Start, double FirstAnswer, double Other)
{
    public static readonly string[] Names = ["transfer", "unpack", "stop", "start", "first answer", "other"];

    public double[] Values => [Transfer, Unpack, Stop, Start, FirstAnswer, Other];

    /// <summary>From the "@phase HOST NAME EPOCH" lines of bench/shell/activate.sh (and ssh-deploy.sh's transfer).</summary>
    public static List<HostPhases> FromShell(IReadOnlyList<string> lines)
    {
        var byHost = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var parts = line.Split(' ');
            if (parts.Length != 4 || parts[0] != "@phase")
            {
                continue;
            }

            if (!byHost.TryGetValue(parts[1], out var phases))
            {
                byHost[parts[1]] = phases = new Dictionary<string, double>(StringComparer.Ordinal);
            }

            phases[parts[2]] = double.Parse(parts[3], CultureInfo.InvariantCulture);
        }

        var missing = byHost.Where(h => h.Value.Count < 5).Select(h => h.Key).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException($"host(s) {string.Join(", ", missing)} did not report every phase:\n{string.Join('\n', lines)}");
        }

        return byHost.Values.Select(p =>
        {
            var start = p.GetValueOrDefault("transfer", p["unpack"]);
            return new HostPhases(
                Transfer: p["unpack"] - start,
                Unpack: p["stop"] - p["unpack"],
                Stop: p["switch"] - p["stop"],
                Start: p["answer"] - p["switch"],
                FirstAnswer: p["done"] - p["answer"],
                Other: 0);
        }).ToList();
    }
}
