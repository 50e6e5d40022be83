using System.Globalization;
using System.Text;
using Akd.Bench.Infra;
using Akd.Testing;

namespace Akd.Bench.Fleet;

/// <summary>A private copy of examples/hello: the bench writes its manifests into it and edits its modules.</summary>
public sealed class HelloSource
{
    private const string MarkerModule = "lib/hello/handler.ex";

    private HelloSource(string dir)
    {
        Dir = dir;
    }

    public string Dir { get; }

    public static HelloSource CopyFrom(string helloExample, string dir)
    {
        MixProjectCopy.Copy(helloExample, dir);
        return new HelloSource(dir);
    }

    /// <summary>
    /// The bench manifest: examples/hello's, with the bench agents' labels, the batch size under test,
    /// and the health check polled every 50 ms, as the baselines poll for the first answer.
    /// </summary>
    public string WriteManifest(string name, int batch, string targets = "role: bench-web")
    {
        var yaml = $$"""
            # Written by bench/Akd.Bench for one benchmark run.
            app: hello
            strategy: remote-build
            source:
              path: .
            build:
              on: { role: bench-build }
              tool: mix-release
              mix_env: prod
              include_erts: true
            deploy:
              to: { {{targets}} }
              path: apps/hello
              keep_releases: 3
              rolling: { batch: {{batch}}, max_failures: 0 }
              env: { PORT: "4000" }
            health:
              http: "http://127.0.0.1:${PORT}/health"
              interval: 50ms
              timeout: 60s
            """;
        var path = Path.Combine(Dir, name);
        File.WriteAllText(path, yaml + "\n");
        return path;
    }

    /// <summary>Changes one module (a function's return value), as a developer's small fix does.</summary>
    public void ChangeOneModule(int revision)
    {
        var path = Path.Combine(Dir, MarkerModule);
        var text = File.ReadAllText(path);
        const string marker = "  @doc false\n  def bench_revision, do: ";
        var at = text.IndexOf(marker, StringComparison.Ordinal);
        if (at >= 0)
        {
            var end = text.IndexOf('\n', at + marker.Length);
            text = text[..(at + marker.Length)] + revision.ToString(CultureInfo.InvariantCulture) + text[end..];
        }
        else
        {
            var last = text.LastIndexOf("end", StringComparison.Ordinal);
            text = text[..last] + "\n" + marker + revision.ToString(CultureInfo.InvariantCulture) + "\n" + text[last..];
        }

        File.WriteAllText(path, text);
    }

    /// <summary>
    /// Adds <paramref name="count"/> independent modules of plain functions, so the app compiles like a
    /// mid-sized project instead of a five-module example (hex packages cannot be fetched here).
    /// </summary>
    public void GenerateModules(int count)
    {
        var dir = Path.Combine(Dir, "lib", "hello", "generated");
        Directory.CreateDirectory(dir);
        for (var i = 0; i < count; i++)
        {
            var code = new StringBuilder();
            code.Append(CultureInfo.InvariantCulture, $"defmodule Hello.Generated.M{i} do\n  @moduledoc false\n");
            for (var f = 0; f < 20; f++)
            {
                code.Append(CultureInfo.InvariantCulture, $"  def f{f}(x) when is_integer(x), do: x * {f + 1} + {i}\n");
                code.Append(CultureInfo.InvariantCulture, $"  def f{f}(x) when is_binary(x), do: String.duplicate(x, {f % 3 + 1}) <> \"{i}\"\n");
                code.Append(CultureInfo.InvariantCulture, $"  def f{f}(%{{a: a, b: b}}), do: Enum.map([a, b], &(&1 + {f}))\n");
            }

            code.Append("end\n");
            File.WriteAllText(Path.Combine(dir, $"m{i}.ex"), code.ToString());
        }
    }
}
