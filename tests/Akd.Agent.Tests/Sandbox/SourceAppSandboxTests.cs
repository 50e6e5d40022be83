using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Core.Manifest;
using Akd.Core.Processes;
using Akd.Core.Releases;
using Akd.Testing;

namespace Akd.Agent.Tests.Sandbox;

/// <summary>
/// The <c>source</c> strategy's app in its own sandbox: a real user, examples/hello compiled by the "agent" (this
/// process, root), then run with the real mix as the app's user from its read-only release and a MIX_HOME of its
/// own. Needs root (it creates a system user, removed afterwards); skipped with the reason otherwise.
/// </summary>
public sealed class SourceAppSandboxTests : IDisposable
{
    private const UnixFileMode PassThrough = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private readonly string _dataDir = Directory.CreateTempSubdirectory("akd-source-sandbox-").FullName;
    private readonly List<string> _users = [];

    public void Dispose()
    {
        foreach (var user in _users)
        {
            ProcessRunner.RunAsync(new ProcessSpec("userdel", [user]), _ => { }, CancellationToken.None).GetAwaiter().GetResult();
        }

        Directory.Delete(_dataDir, recursive: true);
    }

    [Fact]
    public void For_SourceStrategyDefaultCommand_RunsMixWithoutCompilingOrCheckingDeps()
    {
        // Arrange
        var manifest = new AppManifest { App = "hello", Strategy = DeployStrategy.Source };
        var releaseDir = Directory.CreateDirectory(Path.Combine(_dataDir, "release")).FullName;

        // Act
        var command = AppCommand.For(manifest, new AgentOptions { DataDir = _dataDir }).For(releaseDir);

        // Assert: the app only reads the _build and deps the deploy made.
        Assert.Equal(["mix", "run", "--no-halt", "--no-compile", "--no-deps-check"], command);
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task ForAsync_SourceStrategy_AppGetsAUserOfItsOwn()
    {
        // Arrange
        Skip.IfNot(UserSwitching.AgentUid == 0, "needs root to create the app's user (CI runs as root)");
        var manifest = SourceManifest(NewUserName());

        // Act
        var sandbox = await AppSandbox.ForAsync(manifest, new AgentOptions { DataDir = _dataDir }, TestMetrics.Reporter(new Outbox(), "s1"), CancellationToken.None);

        // Assert
        Assert.Equal(manifest.Deploy.User, sandbox.User?.Name);
        Assert.NotEqual(0, sandbox.User!.Uid);
    }

    [SkippableFact(Timeout = 180_000)]
    public async Task Prepare_CompiledSourceRelease_AppRunsMixAsItsUserReadingOnlyItsReleaseAndItsOwnMixHome()
    {
        // Arrange: the agent's MIX_HOME, closed to others, with a FAKE Hex archive (hex.pm is not reachable here)
        // and Mix's own rebar3 as `mix local.rebar` leaves them; examples/hello compiled by the agent in a release.
        Skip.IfNot(UserSwitching.AgentUid == 0, "needs root to create the app's user (CI runs as root)");
        File.SetUnixFileMode(_dataDir, PassThrough);
        var agentHome = Directory.CreateDirectory(Path.Combine(_dataDir, "home"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute).FullName;
        var agentMixHome = Path.Combine(agentHome, ".mix");
        Directory.CreateDirectory(Path.Combine(agentMixHome, "archives", "hex-0.0.0-fake", "hex-0.0.0-fake", "ebin"));
        await File.WriteAllTextAsync(Path.Combine(agentMixHome, "archives", "hex-0.0.0-fake", "hex-0.0.0-fake", "ebin", "FAKE"), "not a real Hex archive\n");
        var rebar3 = Path.Combine(agentMixHome, "elixir", "1-14", "rebar3");
        Directory.CreateDirectory(Path.GetDirectoryName(rebar3)!);
        await File.WriteAllTextAsync(rebar3, "#!/bin/sh\necho fake rebar3\n");
        File.SetUnixFileMode(rebar3, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var buildEnv = new Dictionary<string, string?> { ["HOME"] = agentHome, ["MIX_HOME"] = agentMixHome, ["HEX_HOME"] = Path.Combine(agentHome, ".hex"), ["MIX_REBAR3"] = rebar3 };

        var manifest = SourceManifest(NewUserName());
        var sandbox = await AppSandbox.ForAsync(manifest, new AgentOptions { DataDir = _dataDir }, TestMetrics.Reporter(new Outbox(), "s1"), CancellationToken.None);
        var layout = new ReleaseLayout(Path.Combine(_dataDir, "apps", "hello"));
        layout.EnsureCreated();
        File.SetUnixFileMode(Path.Combine(_dataDir, "apps"), PassThrough);
        layout.WriteEnvFile(new Dictionary<string, string> { ["SECRET"] = "the agent's" });
        var release = layout.ReleaseDir("0.1.0-r1");
        MixProjectCopy.Copy(RepoRoot.HelloExample, release);
        await RunAsync(new ProcessSpec("mix", ["compile"]) { WorkingDirectory = release, Environment = new Dictionary<string, string?> { ["MIX_ENV"] = "prod" }, Timeout = TimeSpan.FromSeconds(120) });
        sandbox.SecureDeployPath(layout);
        sandbox.SecureRelease(release);

        // Act
        var env = AppMixHome.Prepare(sandbox, buildEnv, Toolchain.System);
        env["MIX_ENV"] = "prod";
        var code = """
            [uid] = Regex.run(~r/^Uid:\s+(\d+)/m, File.read!("/proc/self/status"), capture: :all_but_first)
            IO.puts("uid " <> uid)
            for f <- ["mix.exs", "_build/prod/lib/hello/ebin/hello.app", "../../shared/.env", System.get_env("MIX_REBAR3")],
              do: IO.puts(case File.read(f) do {:ok, _} -> "read"; {:error, r} -> Atom.to_string(r) end)
            for f <- ["written", "_build/prod/written", "tmp/written"],
              do: IO.puts(case File.write(f, "x") do :ok -> "wrote"; {:error, r} -> Atom.to_string(r) end)
            IO.puts(Path.wildcard(Path.join(System.get_env("MIX_HOME"), "archives/*")) |> Enum.map(&Path.basename/1) |> Enum.join(","))
            """;
        var lines = await RunAsync(sandbox.Wrap(new ProcessSpec("mix", ["run", "--no-start", .. AppCommand.RunOnly, "-e", code])
        {
            WorkingDirectory = release,
            Environment = env,
            Timeout = TimeSpan.FromSeconds(60),
        }));

        // Assert: its own uid; it reads its release and its MIX_HOME's copies, not the agent's .env; it writes only tmp/.
        Assert.Equal(Path.Combine(layout.SharedDir, ".mix"), env["MIX_HOME"]);
        Assert.Equal(Path.Combine(layout.SharedDir, ".mix", "elixir", "1-14", "rebar3"), env["MIX_REBAR3"]);
        Assert.Equal(layout.SharedDir, env["HOME"]);
        Assert.Equal(
            [$"uid {sandbox.User!.Uid}", "read", "read", "eacces", "read", "eacces", "eacces", "wrote", "hex-0.0.0-fake"],
            lines.Where(l => !l.StartsWith('=') && l.Length > 0).ToList());
        Assert.False(File.Exists(Path.Combine(release, "written")));
    }

    private static AppManifest SourceManifest(string user) => new()
    {
        App = "hello",
        Strategy = DeployStrategy.Source,
        Deploy = new DeploySettings { Path = "apps/hello", User = user },
    };

    private string NewUserName()
    {
        var user = $"akd-t{Guid.NewGuid():N}"[..16];
        _users.Add(user);
        return user;
    }

    private static async Task<List<string>> RunAsync(ProcessSpec spec)
    {
        var lines = new List<string>();
        var result = await ProcessRunner.RunAsync(spec, line => { lock (lines) { lines.Add(line.Text); } }, CancellationToken.None);
        Assert.True(result.Succeeded, $"{spec.Display}:\n{string.Join('\n', lines)}");
        return lines;
    }
}
