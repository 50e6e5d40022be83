using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Builders;

/// <summary>
/// A Mix project with an Erlang dependency built by rebar3 (rebar.config, no mix.exs) and an Elixir
/// path dependency, as the tests write it; and a PATH like the system's but without rebar3.
/// </summary>
internal static class RebarProject
{
    public static string Write(TempDirectory dir, string name = "app")
    {
        dir.WriteFile($"{name}/mix.exs", """
            defmodule App.MixProject do
              use Mix.Project
              def project, do: [app: :app, version: "0.1.0", deps: [{:erl_dep, path: "erl_dep"}, {:ex_dep, path: "ex_dep"}]]
              def application, do: [extra_applications: [:logger]]
            end
            """);
        dir.WriteFile($"{name}/lib/app.ex", "defmodule App do\n  def hi, do: :erl_dep.hi() <> \" \" <> ExDep.hi()\nend\n");
        dir.WriteFile($"{name}/erl_dep/rebar.config", "{erl_opts, [debug_info]}.\n{deps, []}.\n");
        dir.WriteFile($"{name}/erl_dep/src/erl_dep.app.src", "{application, erl_dep, [{description, \"erl\"}, {vsn, \"0.1.0\"}, {applications, [kernel, stdlib]}, {env, []}]}.\n");
        dir.WriteFile($"{name}/erl_dep/src/erl_dep.erl", "-module(erl_dep).\n-export([hi/0]).\nhi() -> <<\"erlang\">>.\n");
        dir.WriteFile($"{name}/ex_dep/mix.exs", "defmodule ExDep.MixProject do\n  use Mix.Project\n  def project, do: [app: :ex_dep, version: \"0.1.0\", deps: []]\nend\n");
        dir.WriteFile($"{name}/ex_dep/lib/ex_dep.ex", "defmodule ExDep do\n  def hi, do: \"elixir\"\nend\n");
        return dir.Combine(name);
    }

    /// <summary>A directory of links to every program in /usr/bin and /bin except rebar3 (and rebar).</summary>
    public static string PathWithoutRebar3(TempDirectory dir)
    {
        var bin = dir.Combine("no-rebar3-bin");
        Directory.CreateDirectory(bin);
        foreach (var program in new[] { "/usr/local/bin", "/usr/bin", "/bin" }.Where(Directory.Exists).SelectMany(Directory.EnumerateFileSystemEntries))
        {
            var name = Path.GetFileName(program);
            var link = Path.Combine(bin, name);
            if (name is not ("rebar3" or "rebar") && !File.Exists(link) && !Directory.Exists(link) && new FileInfo(link).LinkTarget is null)
            {
                File.CreateSymbolicLink(link, program);
            }
        }

        return bin;
    }
}
