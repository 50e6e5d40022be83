using System.Globalization;
using Akd.Bench.Infra;
using Akd.Testing;

namespace Akd.Bench.Fleet;

/// <summary>
/// The hosts the SSH way and the floor deploy to: a directory, a PORT and an Erlang node name each,
/// laid out as capistrano does (releases/, current). Both baselines use the same hosts in turn.
/// </summary>
public sealed class ShellHosts : IDisposable
{
    private readonly string _shellDir;
    private readonly List<(string Name, string Dir, int Port, string Node)> _hosts = [];
    private int _runs;

    public ShellHosts(string shellDir, string root, int count)
    {
        _shellDir = shellDir;
        Directory.CreateDirectory(root);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        for (var i = 1; i <= count; i++)
        {
            var dir = Path.Combine(root, $"host-{i}");
            Directory.CreateDirectory(Path.Combine(dir, "releases"));
            _hosts.Add(($"host-{i}", dir, Ports.Free(), $"hello_shell_{suffix}_{i}"));
        }

        HostsFile = Path.Combine(root, "hosts.txt");
        File.WriteAllLines(HostsFile, _hosts.Select(h => $"{h.Name} {h.Dir} {h.Port} {h.Node}"));
    }

    public string HostsFile { get; }

    /// <summary>The floor: bench/shell/floor.sh, <paramref name="batch"/> hosts at a time.</summary>
    public Task<(TimeSpan Wall, List<HostPhases> Hosts)> FloorAsync(int batch, string tarball, CancellationToken ct) =>
        RunAsync([Path.Combine(_shellDir, "floor.sh"), batch.ToString(CultureInfo.InvariantCulture), tarball, NextReleaseId(), HostsFile], ct);

    /// <summary>The SSH way: bench/shell/ssh-deploy.sh, host after host or all at once.</summary>
    public Task<(TimeSpan Wall, List<HostPhases> Hosts)> SshAsync(SshServer ssh, bool parallel, string tarball, CancellationToken ct) =>
        RunAsync([Path.Combine(_shellDir, "ssh-deploy.sh"), parallel ? "parallel" : "seq", ssh.Dir, ssh.Port.ToString(CultureInfo.InvariantCulture), tarball, NextReleaseId(), HostsFile], ct);

    /// <summary>Kills the BEAM of every host (found by its node name).</summary>
    public void Dispose()
    {
        foreach (var (_, _, _, node) in _hosts)
        {
            foreach (var pid in BeamProcesses.WithNode(node))
            {
                ReleaseProcesses.Kill(pid);
            }
        }
    }

    private string NextReleaseId() => $"0.1.0-bench{++_runs:000}";

    private static async Task<(TimeSpan Wall, List<HostPhases> Hosts)> RunAsync(IReadOnlyList<string> args, CancellationToken ct)
    {
        var result = await Command.RunAsync("bash", args, ct, timeout: TimeSpan.FromMinutes(5)).ConfigureAwait(false);
        return (result.Elapsed, HostPhases.FromShell(result.StdOut));
    }
}

/// <summary>Finds BEAM processes by their Erlang node name, from /proc.</summary>
internal static class BeamProcesses
{
    public static List<int> WithNode(string node)
    {
        var found = new List<int>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            try
            {
                var args = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                var at = Array.IndexOf(args, "-sname");
                if (args.Length > 0 && args[0].EndsWith("beam.smp", StringComparison.Ordinal) && at >= 0 && at + 1 < args.Length && args[at + 1] == node)
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return found;
    }
}
