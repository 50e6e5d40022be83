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

    /// <summary>The bench manifest (<see cref="BenchManifest"/>) with the batch size under test.</summary>
    public string WriteManifest(string name, int batch, string targets = "role: bench-web", int keepReleases = 3) =>
        BenchManifest.Write(Dir, name, "hello", batch, targets, keepReleases: keepReleases);

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
