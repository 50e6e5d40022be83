using Akd.Core.Builders;
using Akd.Core.Manifest;
using Akd.Manifest;
using Akd.Core.Tests.Archives;
using Xunit.Abstractions;

namespace Akd.Core.Tests.Builders;

/// <summary>
/// The step before deps.get, with the real mix and a fresh MIX_HOME per test. hex.pm cannot be reached
/// from this machine, so the download paths are tested as they fail on a build host without a route.
/// </summary>
public sealed class MixPrerequisitesTests(ITestOutputHelper output) : IDisposable
{
    private const int TimeoutMs = 180_000;
    private readonly TempDirectory _temp = new();
    private readonly List<string> _log = [];

    public void Dispose() => _temp.Dispose();

    [Fact(Timeout = TimeoutMs)]
    public async Task FetchAsync_RebarDepWithRebar3OnPath_UsesItAsMixRebar3AndTheProjectCompiles()
    {
        // Arrange
        Assert.True(File.Exists("/usr/bin/rebar3"), "scripts/setup.sh installs Debian's rebar3");
        var project = RebarProject.Write(_temp);
        var context = Context(project, path: "/usr/bin:/bin");

        // Act
        await DepsFetch.FetchAsync(context, Log, CancellationToken.None);
        await BuildCommand.MixAsync(context, ["compile"], Log, CancellationToken.None);

        // Assert: nothing downloaded, Mix never asked, and the Erlang dep was built by rebar3.
        Assert.Contains("rebar3 (path dependency :erl_dep has rebar.config and no mix.exs): /usr/bin/rebar3 from the PATH, as MIX_REBAR3", _log);
        Assert.DoesNotContain(_log, l => l.Contains("local.rebar", StringComparison.Ordinal) || l.Contains("Shall I install", StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(project, "_build", "prod", "lib", "erl_dep", "ebin", "erl_dep.beam")));
        Assert.False(Directory.Exists(_temp.Combine("mix-home", "elixir")), "no rebar3 was installed into MIX_HOME");
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task FetchAsync_GitDepThatIsAnErlangProject_FindsRebar3ForItAfterTheFetch()
    {
        // Arrange: nothing before the fetch says the git dependency is built by rebar3.
        var dep = _temp.Combine("erl_git");
        _temp.WriteFile("erl_git/rebar.config", "{deps, []}.\n");
        _temp.WriteFile("erl_git/src/erl_git.app.src", "{application, erl_git, [{vsn, \"0.1.0\"}, {applications, [kernel, stdlib]}]}.\n");
        _temp.WriteFile("erl_git/src/erl_git.erl", "-module(erl_git).\n-export([hi/0]).\nhi() -> ok.\n");
        foreach (var args in new[] { new[] { "init", "--quiet" }, ["add", "."], ["-c", "user.name=akd", "-c", "user.email=akd@localhost", "commit", "--quiet", "-m", "erl"] })
        {
            var (result, text) = await Akd.Core.Processes.ProcessRunner.CaptureAsync(
                new Akd.Core.Processes.ProcessSpec("git", args) { WorkingDirectory = dep, Timeout = TimeSpan.FromSeconds(30) }, CancellationToken.None);
            Assert.True(result.Succeeded, text);
        }

        _temp.WriteFile("app/mix.exs", $$"""
            defmodule App.MixProject do
              use Mix.Project
              def project, do: [app: :app, version: "0.1.0", deps: [{:erl_git, git: "{{dep}}"}]]
            end
            """);
        var context = Context(_temp.Combine("app"), path: "/usr/bin:/bin");

        // Act
        await DepsFetch.FetchAsync(context, Log, CancellationToken.None);

        // Assert
        var fetch = _log.IndexOf("$ MIX_ENV=prod mix deps.get --only prod");
        var rebar3 = _log.IndexOf("rebar3 (dependency :erl_git has rebar.config and no mix.exs): /usr/bin/rebar3 from the PATH, as MIX_REBAR3");
        Assert.True(fetch >= 0 && rebar3 > fetch, string.Join('\n', _log));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task FetchAsync_RebarDepAndNoRebar3Anywhere_FailsWithOneLineNamingHowToProvideIt()
    {
        // Arrange
        var project = RebarProject.Write(_temp);
        var context = Context(project, path: RebarProject.PathWithoutRebar3(_temp));

        // Act
        var error = await Assert.ThrowsAsync<BuildFailedException>(() => DepsFetch.FetchAsync(context, Log, CancellationToken.None));

        // Assert: one line, naming what is missing and how to provide it; Mix tried to download and never prompted.
        output.WriteLine(error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.StartsWith("rebar3 is missing (path dependency :erl_dep has rebar.config and no mix.exs)", error.Message);
        Assert.Contains("apt-get install rebar3", error.Message);
        Assert.Contains("HEX_MIRROR", error.Message);
        Assert.Contains("$ MIX_ENV=prod mix local.rebar --force", _log);
        Assert.DoesNotContain(_log, l => l.Contains("Shall I install", StringComparison.Ordinal));
        Assert.DoesNotContain(_log, l => l.Contains("deps.get", StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task FetchAsync_HexPackageAndNoRouteToHexPm_FailsWithOneLineNamingHexAndAMirror()
    {
        // Arrange: a project asking for a Hex package, and a MIX_HOME without Hex.
        _temp.WriteFile("app/mix.exs", """
            defmodule App.MixProject do
              use Mix.Project
              def project, do: [app: :app, version: "0.1.0", deps: [{:jason, "~> 1.4"}]]
            end
            """);
        var context = Context(_temp.Combine("app"), path: "/usr/bin:/bin");

        // Act
        var error = await Assert.ThrowsAsync<BuildFailedException>(() => DepsFetch.FetchAsync(context, Log, CancellationToken.None));

        // Assert
        output.WriteLine(error.Message);
        Assert.DoesNotContain('\n', error.Message);
        Assert.StartsWith("Hex is missing (mix.exs asks for Hex package :jason) and mix local.hex could not download it", error.Message);
        Assert.Contains("HEX_MIRROR", error.Message);
        Assert.Contains("$ MIX_ENV=prod mix local.hex --force", _log);
        Assert.DoesNotContain(_log, l => l.Contains("Shall I install", StringComparison.Ordinal) || l.Contains("deps.get", StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task MixAsync_BuildEnvSecret_ReachesMixAndIsMaskedInTheLog()
    {
        // Arrange: a project that prints a build secret and its hash while it compiles.
        const string Secret = "hex-org-key-5b1d0c";
        _temp.WriteFile("app/mix.exs", """
            defmodule App.MixProject do
              use Mix.Project
              def project, do: [app: :app, version: "0.1.0", deps: []]
            end
            """);
        _temp.WriteFile("app/lib/app.ex", """
            defmodule App do
              key = System.get_env("AKD_TEST_BUILD_SECRET", "")
              IO.puts("secret: " <> key)
              IO.puts("secret-sha256: " <> Base.encode16(:crypto.hash(:sha256, key), case: :lower))
            end
            """);
        var context = Context(_temp.Combine("app"), path: "/usr/bin:/bin") with
        {
            BuildEnv = new Dictionary<string, string> { ["AKD_TEST_BUILD_SECRET"] = Secret },
        };
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Secret)));

        // Act
        await BuildCommand.MixAsync(context, ["compile"], Log, CancellationToken.None);

        // Assert
        Assert.Contains($"secret-sha256: {hash}", _log);
        Assert.Contains("secret: ***", _log);
        Assert.DoesNotContain(_log, l => l.Contains(Secret, StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task MixAsync_SecretAsArgumentOfAFailingCommand_IsMaskedInTheLogAndTheError()
    {
        // Arrange: a secret passed on a mix command line (as the Hex organization key is), and a task that fails.
        const string Secret = "org-key-as-argument-77aa";
        _temp.WriteFile("app/mix.exs", "defmodule App.MixProject do\n  use Mix.Project\n  def project, do: [app: :app, version: \"0.1.0\", deps: []]\nend\n");
        var context = Context(_temp.Combine("app"), path: "/usr/bin:/bin") with { BuildEnv = new Dictionary<string, string> { ["HEX_ORGANIZATION_KEY"] = Secret } };

        // Act
        var error = await Assert.ThrowsAsync<BuildFailedException>(() => BuildCommand.MixAsync(context, ["no.such.task", "--key", Secret], Log, CancellationToken.None));

        // Assert
        Assert.StartsWith("'mix no.such.task --key ***' failed with exit code 1: ** (Mix) The task \"no.such.task\" could not be found", error.Message);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.Contains("$ MIX_ENV=prod mix no.such.task --key ***", _log);
        Assert.DoesNotContain(_log, l => l.Contains(Secret, StringComparison.Ordinal));
    }

    private BuildContext Context(string project, string path)
    {
        var manifest = ManifestLoader.Parse("app: app\n", Path.Combine(project, "akd.yaml"));
        Directory.CreateDirectory(_temp.Combine("home"));
        return new BuildContext(project, manifest, _temp.Combine("out"))
        {
            Env = new Dictionary<string, string?>
            {
                ["PATH"] = path,
                ["HOME"] = _temp.Combine("home"),
                ["MIX_HOME"] = _temp.Combine("mix-home"),
                ["HEX_HOME"] = _temp.Combine("hex-home"),
                ["MIX_REBAR3"] = null,
            },
            CommandTimeout = TimeSpan.FromSeconds(150),
        };
    }

    private void Log(Akd.Core.Processes.OutputLine line)
    {
        lock (_log)
        {
            _log.Add(line.Text);
        }

        output.WriteLine(line.Text);
    }
}
