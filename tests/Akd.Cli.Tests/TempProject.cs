namespace Akd.Cli.Tests;

/// <summary>A scratch Mix project directory (only the files a test writes), removed after the test.</summary>
internal sealed class TempProject : IDisposable
{
    public TempProject()
    {
        Dir = Directory.CreateTempSubdirectory("akd-cli-test-").FullName;
    }

    public string Dir { get; }

    public string Manifest => Path.Combine(Dir, "akd.yaml");

    /// <summary>A mix.exs like <c>mix new</c> writes, with <paramref name="deps"/> inside <c>deps/0</c>.</summary>
    public TempProject WithMixExs(string app, string deps = "")
    {
        var module = string.Concat(app.Split('_').Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
        Write("mix.exs", $$"""
            defmodule {{module}}.MixProject do
              use Mix.Project

              def project do
                [
                  app: :{{app}},
                  version: "0.3.1",
                  elixir: "~> 1.14",
                  start_permanent: Mix.env() == :prod,
                  deps: deps()
                ]
              end

              def application do
                [extra_applications: [:logger]]
              end

              defp deps do
                [
                  # {:dep_from_hexpm, "~> 0.3.0"},
                  {{deps}}
                ]
              end
            end
            """);
        return this;
    }

    public TempProject Write(string relative, string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(Dir, relative))!);
        File.WriteAllText(Path.Combine(Dir, relative), content);
        return this;
    }

    public string Read(string relative) => File.ReadAllText(Path.Combine(Dir, relative));

    public bool Exists(string relative) => File.Exists(Path.Combine(Dir, relative));

    public void Dispose() => Directory.Delete(Dir, recursive: true);
}
