using Akd.Core.Builders;
using Akd.Core.Manifest;
using Akd.Manifest;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Builders;

public sealed class MixToolsTests
{
    [Fact]
    public void FindRebar3_MixRebar3PathAndMixHomeCopy_PrefersMixRebar3ThenThePathThenMixHome()
    {
        // Arrange: a rebar3 in a PATH directory and one where `mix local.rebar` puts it.
        using var dir = new TempDirectory();
        var onPath = dir.WriteFile("bin/rebar3", "#!/bin/sh\n", UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var local = dir.WriteFile("mix-home/elixir/1-14/rebar3", "#!/bin/sh\n", UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var env = new Dictionary<string, string?> { ["PATH"] = dir.Combine("bin"), ["MIX_HOME"] = dir.Combine("mix-home"), ["MIX_REBAR3"] = "/opt/rebar3" };

        // Act
        var configured = MixTools.FindRebar3(env);
        env["MIX_REBAR3"] = null;
        var fromPath = MixTools.FindRebar3(env);
        env["PATH"] = "/nonexistent";
        var fromMixHome = MixTools.FindRebar3(env);

        // Assert
        Assert.Equal("/opt/rebar3", configured?.Path);
        Assert.Equal(onPath, fromPath?.Path);
        Assert.Equal(local, fromMixHome?.Path);
    }

    [Fact]
    public void HexVersion_ArchivesDirectory_NewestHexArchiveOrNull()
    {
        // Arrange
        using var dir = new TempDirectory();
        var env = new Dictionary<string, string?> { ["MIX_HOME"] = dir.Combine("mix-home"), ["MIX_ARCHIVES"] = null };
        var before = MixTools.HexVersion(env);
        Directory.CreateDirectory(dir.Combine("mix-home", "archives", "hex-2.0.5", "hex-2.0.5", "ebin"));
        Directory.CreateDirectory(dir.Combine("mix-home", "archives", "hex-2.0.6", "hex-2.0.6", "ebin"));
        Directory.CreateDirectory(dir.Combine("mix-home", "archives", "phx_new-1.7.0"));

        // Act
        var version = MixTools.HexVersion(env);

        // Assert
        Assert.Null(before);
        Assert.Equal("2.0.6", version);
    }

    [Fact(Timeout = 30_000)]
    public async Task EnsureAsync_MixRebar3PointsNowhere_FailsNamingTheVariable()
    {
        // Arrange: an Erlang dependency, and MIX_REBAR3 set in the build env to a file that does not exist.
        using var dir = new TempDirectory();
        dir.WriteFile("app/mix.exs", "defmodule App.MixProject do\n  use Mix.Project\n  def project, do: [app: :app, version: \"0.1.0\", deps: [{:erl, path: \"erl\"}]]\nend\n");
        dir.WriteFile("app/erl/rebar.config", "{deps, []}.\n");
        var context = new BuildContext(dir.Combine("app"), ManifestLoader.Parse("app: app\n", dir.Combine("app", "akd.yaml")), dir.Combine("out"))
        {
            BuildEnv = new Dictionary<string, string> { ["MIX_REBAR3"] = "/nonexistent/rebar3" },
        };

        // Act
        var error = await Assert.ThrowsAsync<BuildFailedException>(() =>
            MixPrerequisites.EnsureAsync(context, MixDependencies.Needs.None, _ => { }, CancellationToken.None));

        // Assert
        Assert.Equal(
            "rebar3 is needed (path dependency :erl has rebar.config and no mix.exs), but MIX_REBAR3=/nonexistent/rebar3 does not exist: install rebar3 (apt-get install rebar3) or correct MIX_REBAR3",
            error.Message);
    }
}
