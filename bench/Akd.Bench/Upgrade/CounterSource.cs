using System.Globalization;
using System.Text.RegularExpressions;
using Akd.Bench.Infra;
using Akd.Testing;

namespace Akd.Bench.Upgrade;

/// <summary>A private copy of examples/counter that the bench moves from version to version.</summary>
public sealed partial class CounterSource
{
    private readonly string _example;

    private CounterSource(string example, string dir) => (_example, Dir) = (example, dir);

    public string Dir { get; }

    public static CounterSource CopyFrom(string example, string dir)
    {
        MixProjectCopy.Copy(example, dir);
        // The later versions are copied over the project by the scenario, not built from their folder.
        Directory.Delete(Path.Combine(dir, "versions"), recursive: true);
        return new CounterSource(example, dir);
    }

    /// <summary>
    /// The bench manifest, every host at once, with <c>deploy.upgrade</c> (and <c>deploy.start_overlap</c>) set. Every
    /// manifest binds with SO_REUSEPORT (REUSE_PORT=true), so a shared-port run can follow a run of any other mode.
    /// </summary>
    public string WriteManifest(string name, string upgrade, int hosts, string? startOverlap = null) =>
        BenchManifest.Write(Dir, name, "counter", batch: hosts, upgrade: upgrade, startOverlap: startOverlap, reusePort: true);

    /// <summary>examples/counter/versions/0.2.0 over the copy: the GenServer's state becomes a map.</summary>
    public void UseVersion2() => MixProjectCopy.Copy(Path.Combine(_example, "versions", "0.2.0"), Dir);

    /// <summary>Sets version 0.MINOR.0 and changes one module, as a developer's small fix does.</summary>
    public void SetVersion(int minor)
    {
        var n = minor.ToString(CultureInfo.InvariantCulture);
        var mix = Path.Combine(Dir, "mix.exs");
        File.WriteAllText(mix, Version().Replace(File.ReadAllText(mix), $"version: \"0.{n}.0\"", 1));
        File.WriteAllText(Path.Combine(Dir, "lib", "counter", "bench_revision.ex"),
            $"defmodule Counter.BenchRevision do\n  @moduledoc false\n  def revision, do: {n}\nend\n");
    }

    [GeneratedRegex("version: \"[0-9.]+\"")]
    private static partial Regex Version();
}
