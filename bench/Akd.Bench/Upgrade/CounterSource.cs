using System.Globalization;
using System.Text.RegularExpressions;
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

    /// <summary>The manifest: the bench agents' labels, every host at once, health polled every 50 ms.</summary>
    public string WriteManifest(string name, string upgrade, int hosts)
    {
        var yaml = $$"""
            # Written by bench/Akd.Bench for one benchmark run.
            app: counter
            strategy: remote-build
            source: { path: . }
            build: { on: { role: bench-build }, tool: mix-release, mix_env: prod, include_erts: true }
            deploy:
              to: { role: bench-web }
              path: apps/counter
              keep_releases: 3
              rolling: { batch: {{hosts}}, max_failures: 0 }
              env: { PORT: "4000" }
              upgrade: {{upgrade}}
            health:
              http: "http://127.0.0.1:${PORT}/health"
              interval: 50ms
              timeout: 60s
            """;
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, yaml + "\n");
        return path;
    }

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
