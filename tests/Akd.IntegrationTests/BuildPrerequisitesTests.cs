using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Akd.Contracts.V1;
using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// A real app's dependencies on a fresh build server: examples/hello with an Erlang dependency built by
/// rebar3 (rebar.config, no mix.exs) and an Elixir path dependency, built by remote-build on agents whose
/// MIX_HOME is fresh (the agent's own, under its data dir: their HOME does not exist). One build agent
/// has Debian's rebar3 on its PATH and a build secret in its config file; the other has no rebar3 at all.
/// A source-strategy target builds too, with a build secret of its own. hex.pm cannot be reached from
/// here, so nothing can be downloaded.
/// </summary>
public sealed class BuildPrerequisitesTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string SecretVariable = "AKD_FIXTURE_BUILD_SECRET";
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(5);
    private readonly string _secret = "build-secret-" + Guid.NewGuid().ToString("N");
    private LocalFleet _fleet = null!;
    private HelloApp _app = null!;

    private string RebarAgent => $"rebar-build-{_fleet.Suffix}";

    private string NoRebarAgent => $"norebar-build-{_fleet.Suffix}";

    public async Task InitializeAsync()
    {
        _fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None);
        var freshHome = new Dictionary<string, string>
        {
            ["HOME"] = Path.Combine(_fleet.Root, "no-such-home"),
            ["MIX_HOME"] = "",
            ["HEX_HOME"] = "",
            ["MIX_REBAR3"] = "",
        };
        var config = Path.Combine(_fleet.Root, "rebar-build.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new { Agent = new { build_env = new Dictionary<string, string> { [SecretVariable] = _secret } } }));
        await _fleet.StartAgentWithConfigAsync(RebarAgent, "role=rebar-build", freshHome, config);
        await _fleet.StartAgentAsync(NoRebarAgent, "role=norebar-build", new Dictionary<string, string>(freshHome) { ["PATH"] = NoErlangPath.CreateWithoutRebar3(_fleet.Root) });
        await _fleet.WaitForAgentStateAsync(RebarAgent, AgentState.Online, CancellationToken.None);
        await _fleet.WaitForAgentStateAsync(NoRebarAgent, AgentState.Online, CancellationToken.None);
        _app = WriteFixtureApp(HelloApp.CopyTo(_fleet.Root));
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 600_000)]
    public async Task RemoteBuild_RebarDepOnFreshMixHomeWithBuildSecret_ServesAndTheSecretReachesOnlyMix()
    {
        // Arrange
        var manifest = _app.WriteManifest("akd.rebar.yaml", File.ReadAllText(_app.Manifest).Replace("on: { role: build }", "on: { role: rebar-build }"));
        var secretHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(_secret)));

        // Act
        var deploy = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--output", "json");
        output.WriteLine(deploy.ToString());

        // Assert: built with Debian's rebar3 (nothing downloaded), deployed, and serving what both deps return.
        CliAssert.Succeeded(deploy);
        var id = CliJson.DeploymentId(deploy);
        var logs = await _fleet.AkdctlAsync(_app.Dir, TimeSpan.FromSeconds(60), "logs", id, "--output", "json");
        var messages = CliJson.Lines(logs.StdOut).Select(e => e.Str("message")).ToList();
        Assert.Contains("rebar3 (path dependency :erl_dep has rebar.config and no mix.exs): /usr/bin/rebar3 from the PATH, as MIX_REBAR3", messages);
        Assert.DoesNotContain(messages, m => m.Contains("local.rebar", StringComparison.Ordinal) || m.Contains("Shall I install", StringComparison.Ordinal));
        Assert.Equal("hello 0.1.0 erlang elixir", await Http.GetBodyAsync(_fleet.Web[0].Port));
        Assert.False(Directory.Exists(Path.Combine(_fleet.DataDirOf(RebarAgent), "home", ".mix", "elixir")), "no rebar3 was downloaded into the agent's MIX_HOME");

        // Assert: the secret reached mix (the fixture printed its hash while compiling) and was masked where it printed the value.
        Assert.Contains($"build secret sha256: {secretHash}", messages);
        Assert.Contains("build secret: ***", messages);

        // Assert: the value is nowhere else: not in the events, the history, the coordinator's files, or the app's environment.
        var deployments = await _fleet.AkdctlAsync(_app.Dir, TimeSpan.FromSeconds(60), "deployments");
        var plainLogs = await _fleet.AkdctlAsync(_app.Dir, TimeSpan.FromSeconds(60), "logs", id);
        foreach (var text in new[] { deploy.StdOut, deploy.StdErr, logs.StdOut, deployments.StdOut, plainLogs.StdOut })
        {
            Assert.DoesNotContain(_secret, text);
        }

        Assert.Contains(id, deployments.StdOut);
        Assert.Contains(secretHash, plainLogs.StdOut);
        var secretBytes = Encoding.UTF8.GetBytes(_secret);
        var coordinatorFiles = Directory.GetFiles(Path.Combine(_fleet.Root, "coordinator"), "*", SearchOption.AllDirectories);
        Assert.Contains(coordinatorFiles, f => Path.GetFileName(f) == "akd.db");
        foreach (var file in coordinatorFiles)
        {
            Assert.True(File.ReadAllBytes(file).AsSpan().IndexOf(secretBytes) < 0, $"{file} holds the build secret");
        }

        var pid = _fleet.Web[0].RunState()?.Pid ?? throw new InvalidOperationException("no pid recorded for the app");
        var environ = File.ReadAllText($"/proc/{pid}/environ");
        Assert.Contains("PORT=", environ);
        Assert.DoesNotContain(_secret, environ);
        Assert.DoesNotContain(SecretVariable, environ);
    }

    [Fact(Timeout = 600_000)]
    public async Task RemoteBuild_RebarDepAndNoRebar3Anywhere_FailsWithOneClearLineAndUploadsNothing()
    {
        // Arrange: the agent's toolchain probe shows the missing rebar3 before any deploy.
        var probed = await ProbedToolchainAsync(NoRebarAgent);
        Assert.Equal("", probed.Str("rebar3"));
        Assert.StartsWith("3.", (await ProbedToolchainAsync(RebarAgent)).Str("rebar3"));
        var table = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(30), "agents");
        Assert.Contains("REBAR3", table.StdOut);
        Assert.Contains("HEX", table.StdOut);
        var manifest = _app.WriteManifest("akd.norebar.yaml", File.ReadAllText(_app.Manifest).Replace("on: { role: build }", "on: { role: norebar-build }"));
        var releasesBefore = _fleet.Web[0].Releases();

        // Act
        var deploy = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest);
        output.WriteLine(deploy.ToString());

        // Assert: failed with the line naming what is missing and how to provide it; Mix never asked.
        Assert.NotEqual(0, deploy.ExitCode);
        var all = deploy.StdOut + deploy.StdErr;
        Assert.Contains("rebar3 is missing (path dependency :erl_dep has rebar.config and no mix.exs)", all);
        Assert.Contains("apt-get install rebar3", all);
        Assert.DoesNotContain("Shall I install", all);

        // Assert: nothing was built or uploaded, and the web host got nothing.
        var logs = await _fleet.AkdctlAsync(_app.Dir, TimeSpan.FromSeconds(60), "logs", CliJson.DeploymentId(deploy), "--output", "json");
        var events = CliJson.Lines(logs.StdOut);
        Assert.Contains(events, e => e.Str("message").Contains("mix local.rebar --force", StringComparison.Ordinal));
        Assert.DoesNotContain(events, e => e.Str("message").Contains("uploading", StringComparison.Ordinal) || e.Str("message").Contains("mix release", StringComparison.Ordinal));
        var outDir = Path.Combine(_fleet.DataDirOf(NoRebarAgent), "builds", "hello", "out");
        Assert.True(!Directory.Exists(outDir) || Directory.GetFiles(outDir).Length == 0, "no release tarball was built");
        Assert.Equal(releasesBefore, _fleet.Web[0].Releases());
    }

    [Fact(Timeout = 600_000)]
    public async Task Source_RebarDepAndBuildSecretOnTheTarget_SecretReachesTheCompileButNeitherHooksNorTheApp()
    {
        // Arrange: a target that builds (strategy source) with a fresh MIX_HOME and a build secret of its own,
        // and hooks around the compile and after the switch that record the env they got.
        var secret = "target-build-secret-" + Guid.NewGuid().ToString("N");
        var port = Ports.Free();
        var name = $"src-web-{_fleet.Suffix}";
        var config = Path.Combine(_fleet.Root, "src-web.json");
        File.WriteAllText(config, JsonSerializer.Serialize(new
        {
            Agent = new { AppEnv = new Dictionary<string, string> { ["PORT"] = $"{port}" }, build_env = new Dictionary<string, string> { [SecretVariable] = secret } },
        }));
        await _fleet.StartAgentWithConfigAsync(name, "role=src-web", new Dictionary<string, string>
        {
            ["HOME"] = Path.Combine(_fleet.Root, "no-such-home"),
            ["MIX_HOME"] = "",
            ["HEX_HOME"] = "",
            ["MIX_REBAR3"] = "",
        }, config);
        await _fleet.WaitForAgentStateAsync(name, AgentState.Online, CancellationToken.None);
        _fleet.Web.Add(new LocalFleet.WebHost(name, port, _fleet.DataDirOf(name))); // so that disposing the fleet stops the app
        var hookEnv = Path.Combine(_fleet.Root, "hook-env");
        Directory.CreateDirectory(hookEnv);
        var manifest = _app.WriteManifest("akd.source.yaml", $$"""
            app: hello
            strategy: source
            source:
              path: .
            build:
              mix_env: prod
            deploy:
              to: { role: src-web }
              path: apps/hello
              env:
                PORT: "4000"
            health:
              http: "http://127.0.0.1:${PORT}/health"
              timeout: 60s
            hooks:
              - { name: before, at: before-build, run: ["sh", "-c", "env > {{hookEnv}}/before-build"] }
              - { name: after, at: after-build, run: ["sh", "-c", "env > {{hookEnv}}/after-build"] }
              - { name: activated, at: after-activate, run: ["sh", "-c", "env > {{hookEnv}}/after-activate"] }

            """);
        var secretHash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

        // Act
        var deploy = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", manifest, "--output", "json");
        output.WriteLine(deploy.ToString());

        // Assert: compiled on the target with Debian's rebar3 and the secret, and serving.
        CliAssert.Succeeded(deploy);
        var messages = CliJson.Lines(deploy.StdOut).Select(e => e.Str("message")).ToList();
        Assert.Contains("rebar3 (path dependency :erl_dep has rebar.config and no mix.exs): /usr/bin/rebar3 from the PATH, as MIX_REBAR3", messages);
        Assert.Contains($"build secret sha256: {secretHash}", messages);
        Assert.Equal("hello 0.1.0 erlang elixir", await Http.GetBodyAsync(port));

        // Assert: no hook and not the app got the secret, and the deploy's events do not hold it.
        Assert.DoesNotContain(secret, deploy.StdOut + deploy.StdErr);
        foreach (var stage in new[] { "before-build", "after-build", "after-activate" })
        {
            var env = File.ReadAllText(Path.Combine(hookEnv, stage));
            Assert.Contains($"PORT={port}", env);
            Assert.DoesNotContain(secret, env);
            Assert.DoesNotContain(SecretVariable, env);
        }

        var pid = int.Parse(File.ReadAllText(Path.Combine(_fleet.DataDirOf(name), "apps", "hello", "shared", "app.pid")).Trim());
        var environ = File.ReadAllText($"/proc/{pid}/environ");
        Assert.Contains($"PORT={port}", environ);
        Assert.DoesNotContain(secret, environ);
        Assert.DoesNotContain(SecretVariable, environ);
    }

    /// <summary>
    /// examples/hello plus an Erlang dependency built by rebar3 and an Elixir path dependency, both in
    /// the answer, and a module that prints the build secret and its hash while it compiles.
    /// </summary>
    private static HelloApp WriteFixtureApp(HelloApp app)
    {
        void Write(string relative, string content)
        {
            var path = Path.Combine(app.Dir, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
        }

        void Edit(string relative, string from, string to)
        {
            var path = Path.Combine(app.Dir, relative);
            var text = File.ReadAllText(path);
            Assert.Contains(from, text);
            File.WriteAllText(path, text.Replace(from, to, StringComparison.Ordinal));
        }

        Edit("mix.exs", "extra_applications: [:logger, :inets]", "extra_applications: [:logger, :inets, :crypto]");
        Edit("mix.exs", "deps: [],", "deps: [{:erl_dep, path: \"erl_dep\"}, {:ex_dep, path: \"ex_dep\"}],");
        Edit("lib/hello/handler.ex", "{200, \"#{Hello.name()} #{Hello.version()}\"}", "{200, \"#{Hello.name()} #{Hello.version()} #{:erl_dep.hi()} #{ExDep.hi()}\"}");
        Write("erl_dep/rebar.config", "{erl_opts, [debug_info]}.\n{deps, []}.\n");
        Write("erl_dep/src/erl_dep.app.src", "{application, erl_dep, [{description, \"erl\"}, {vsn, \"0.1.0\"}, {applications, [kernel, stdlib]}, {env, []}]}.\n");
        Write("erl_dep/src/erl_dep.erl", "-module(erl_dep).\n-export([hi/0]).\nhi() -> <<\"erlang\">>.\n");
        Write("ex_dep/mix.exs", "defmodule ExDep.MixProject do\n  use Mix.Project\n  def project, do: [app: :ex_dep, version: \"0.1.0\", deps: []]\nend\n");
        Write("ex_dep/lib/ex_dep.ex", "defmodule ExDep do\n  def hi, do: \"elixir\"\nend\n");
        Write("lib/hello/build_secret.ex", $$"""
            defmodule Hello.BuildSecret do
              @moduledoc false
              key = System.get_env("{{SecretVariable}}", "")
              IO.puts("build secret: " <> key)
              IO.puts("build secret sha256: " <> Base.encode16(:crypto.hash(:sha256, key), case: :lower))
            end
            """);
        return app;
    }

    /// <summary>The agent's toolchain once its background probe has reported (Elixir found).</summary>
    private async Task<JsonElement> ProbedToolchainAsync(string name)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var result = await _fleet.AkdctlAsync(_fleet.Root, TimeSpan.FromSeconds(30), "agents", "--output", "json");
            var agent = CliJson.Lines(result.StdOut).Single(a => a.Str("name") == name);
            if (agent.TryGetProperty("toolchain", out var toolchain) && toolchain.Str("elixir").Length > 0)
            {
                return toolchain;
            }

            Assert.True(DateTime.UtcNow < deadline, $"agent {name} reported no toolchain:\n{result}");
            await Task.Delay(500);
        }
    }
}
