using Akd.Core.Builders;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Builders;

public sealed class MixDependenciesTests
{
    private const string MixExsHead = "defmodule App.MixProject do\n  use Mix.Project\n  def project, do: [app: :app, version: \"0.1.0\", deps: deps()]\n";

    [Theory]
    [InlineData(null, false)]
    [InlineData("%{}\n", false)]
    [InlineData("%{\n  \"jason\": {:hex, :jason, \"1.4.1\", \"abc\", [:mix], [], \"hexpm\", \"def\"},\n}\n", true)]
    [InlineData("%{\n  \"dep\": {:git, \"https://example.org/dep.git\", \"abc\", []},\n}\n", false)]
    public void Detect_MixLock_HexOnlyForHexPackages(string? mixLock, bool expected)
    {
        // Arrange
        using var dir = new TempDirectory();
        if (mixLock is not null)
        {
            dir.WriteFile("mix.lock", mixLock);
        }

        // Act
        var needs = MixDependencies.Detect(dir.Path);

        // Assert
        Assert.Equal(expected, needs.Hex is not null);
        Assert.Null(needs.Rebar3);
    }

    [Fact]
    public void Detect_LockedHexPackageBuiltByRebar3_NeedsBothAndNamesThePackage()
    {
        // Arrange: as a Plug app's lock holds telemetry.
        using var dir = new TempDirectory();
        dir.WriteFile("mix.lock", "%{\n  \"plug\": {:hex, :plug, \"1.14.0\", \"a\", [:mix], [{:telemetry, \"~> 1.0\", [hex: :telemetry, repo: \"hexpm\", optional: false]}], \"hexpm\", \"b\"},\n" +
            "  \"telemetry\": {:hex, :telemetry, \"1.2.1\", \"c\", [:rebar3], [], \"hexpm\", \"d\"},\n}\n");

        // Act
        var needs = MixDependencies.Detect(dir.Path);

        // Assert
        Assert.Equal("mix.lock pins Hex packages", needs.Hex);
        Assert.Equal("Hex package :telemetry is built by rebar3 (mix.lock)", needs.Rebar3);
    }

    [Theory]
    [InlineData("[{:jason, \"~> 1.4\"}]", "mix.exs asks for Hex package :jason", null)]
    [InlineData("[{:private, \">= 0.0.0\", organization: \"acme\"}]", "mix.exs asks for Hex package :private", null)]
    [InlineData("[{:util, git: \"https://example.org/util.git\", tag: \"v1\"}]", null, null)]
    [InlineData("[{:util, github: \"acme/util\"}, {:sibling, in_umbrella: true}]", null, null)]
    [InlineData("[\n    # {:jason, \"~> 1.4\"},\n    {:erl, git: \"https://example.org/erl.git\", manager: :rebar3}\n  ]", null, "mix.exs builds :erl with manager: :rebar3")]
    public void Detect_MixExsDeps_HexForPackagesRebar3ForTheManager(string deps, string? hex, string? rebar3)
    {
        // Arrange
        using var dir = new TempDirectory();
        dir.WriteFile("mix.exs", $"{MixExsHead}  defp deps, do: {deps}\nend\n");

        // Act
        var needs = MixDependencies.Detect(dir.Path);

        // Assert
        Assert.Equal(hex, needs.Hex);
        Assert.Equal(rebar3, needs.Rebar3);
    }

    [Fact]
    public void Detect_PathDepsOutsideTheTree_FollowsThemToAnErlangDepAndAHexPackage()
    {
        // Arrange: app -> ../lib_ex (Elixir, asks for Hex) and ../erl_dep (rebar.config, no mix.exs).
        using var dir = new TempDirectory();
        dir.WriteFile("app/mix.exs", $"{MixExsHead}  defp deps, do: [{{:lib_ex, path: \"../lib_ex\"}}, {{:erl_dep, path: \"../erl_dep\"}}]\nend\n");
        dir.WriteFile("lib_ex/mix.exs", "defmodule LibEx.MixProject do\n  use Mix.Project\n  def project, do: [app: :lib_ex, version: \"0.1.0\", deps: [{:jason, \"~> 1.4\"}]]\nend\n");
        dir.WriteFile("erl_dep/rebar.config", "{deps, []}.\n");

        // Act
        var needs = MixDependencies.Detect(dir.Combine("app"));

        // Assert
        Assert.Equal("../lib_ex/mix.exs asks for Hex package :jason", needs.Hex);
        Assert.Equal("path dependency :erl_dep has rebar.config and no mix.exs", needs.Rebar3);
    }

    [Fact]
    public void Detect_FetchedDepWithRebarConfigAndNoMixExs_NeedsRebar3()
    {
        // Arrange: what deps.get leaves for a git dependency that is an Erlang project.
        using var dir = new TempDirectory();
        dir.WriteFile("mix.exs", $"{MixExsHead}  defp deps, do: [{{:ex_dep, git: \"x\"}}, {{:erl_dep, git: \"y\"}}]\nend\n");
        dir.WriteFile("deps/ex_dep/mix.exs", "");
        dir.WriteFile("deps/ex_dep/rebar.config", "");
        dir.WriteFile("deps/erl_dep/rebar.config.script", "");

        // Act
        var needs = MixDependencies.Detect(dir.Path);

        // Assert: a dep with mix.exs is built by Mix, whatever else it holds.
        Assert.Null(needs.Hex);
        Assert.Equal("dependency :erl_dep has rebar.config.script and no mix.exs", needs.Rebar3);
    }

    [Fact]
    public void Organizations_MixExsAndMixLock_ListsEachPrivateOrganizationOnce()
    {
        // Arrange: one organization named in mix.exs (twice, two ways), another only in the lock.
        using var dir = new TempDirectory();
        dir.WriteFile("mix.exs", $"{MixExsHead}  defp deps, do: [{{:billing, \"~> 2.1\", organization: \"acme\"}}, {{:auth, \">= 0.0.0\", repo: \"hexpm:acme\"}}, {{:jason, \"~> 1.4\"}}]\nend\n");
        dir.WriteFile("mix.lock", "%{\n  \"ledger\": {:hex, :ledger, \"1.0.0\", \"a\", [:mix], [], \"hexpm:globex\", \"b\"},\n  \"jason\": {:hex, :jason, \"1.4.1\", \"c\", [:mix], [], \"hexpm\", \"d\"},\n}\n");

        // Act
        var organizations = MixDependencies.Organizations(dir.Path);

        // Assert
        Assert.Equal(["acme", "globex"], organizations);
    }
}
