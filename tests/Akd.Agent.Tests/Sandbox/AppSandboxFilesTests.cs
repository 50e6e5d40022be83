using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Core.Manifest;
using Akd.Core.Processes;
using Akd.Core.Releases;

namespace Akd.Agent.Tests.Sandbox;

/// <summary>
/// Real users, real files, real setpriv: what an app running as its own user may read and write in its deploy
/// path. Needs root (it creates two system users, removed afterwards); skipped with the reason otherwise.
/// </summary>
public sealed class AppSandboxFilesTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("akd-sandbox-").FullName;
    private readonly List<string> _users = [];

    public void Dispose()
    {
        foreach (var user in _users)
        {
            ProcessRunner.RunAsync(new ProcessSpec("userdel", [user]), _ => { }, CancellationToken.None).GetAwaiter().GetResult();
        }

        Directory.Delete(_dataDir, recursive: true);
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task SecureRelease_AppRunsAsItsUser_ReadsItsReleaseWritesOnlyTmpSharedAndReleaseHandlersFiles()
    {
        // Arrange
        Skip.IfNot(UserSwitching.AgentUid == 0, "needs root to create the app's user (CI runs as root)");
        var (sandbox, layout) = await DeployPathAsync("one");
        var release = layout.ReleaseDir("0.1.0-r1");

        // Act
        var result = await AsAppAsync(sandbox, layout.Root,
            "id -u; cat releases/0.1.0-r1/VERSION; touch releases/0.1.0-r1/tmp/written shared/written; "
            + "echo '13.1.5 0.1.0' > releases/0.1.0-r1/releases/start_erl.data; touch releases/0.1.0-r1/releases/RELEASES; "
            + "if touch releases/0.1.0-r1/mine 2>/dev/null; then echo release-writable; fi; "
            + "if touch releases/0.1.0-r1/releases/0.1.0/sys.config 2>/dev/null; then echo version-writable; fi; "
            + "if cat shared/.env 2>/dev/null; then echo env-readable; fi");

        // Assert: release_handler's files (hot upgrades) are the app's to rewrite, the versions' files are not.
        Assert.Equal([sandbox.User!.Uid.ToString(), "0.1.0"], result);
        Assert.True(File.Exists(Path.Combine(release, "releases", "RELEASES")));
        Assert.True(File.Exists(Path.Combine(release, "tmp", "written")));
        Assert.True(File.Exists(Path.Combine(layout.SharedDir, "written")));
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task SecureDeployPath_TwoApps_NeitherEntersTheOthersDeployPathNorTheAgentsIdentity()
    {
        // Arrange
        Skip.IfNot(UserSwitching.AgentUid == 0, "needs root to create the apps' users (CI runs as root)");
        var (one, oneLayout) = await DeployPathAsync("one");
        var (two, _) = await DeployPathAsync("two");
        var identity = Path.Combine(_dataDir, "identity");
        Directory.CreateDirectory(identity, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        await File.WriteAllTextAsync(Path.Combine(identity, "agent.key"), "secret");

        // Act
        var result = await AsAppAsync(two, _dataDir,
            $"for f in '{oneLayout.SharedDir}/.env' '{oneLayout.Root}/releases/0.1.0-r1/VERSION' '{identity}/agent.key'; do "
            + "if cat \"$f\" >/dev/null 2>&1; then echo \"read $f\"; else echo denied; fi; done");

        // Assert
        Assert.Equal(["denied", "denied", "denied"], result);
        Assert.NotEqual(one.User!.Uid, two.User!.Uid);
    }

    /// <summary>A deploy path with one release (VERSION, tmp/) and a written shared/.env, secured for its own new user.</summary>
    private async Task<(AppSandbox Sandbox, ReleaseLayout Layout)> DeployPathAsync(string app)
    {
        File.SetUnixFileMode(_dataDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        var user = $"akd-t{Guid.NewGuid():N}"[..16];
        _users.Add(user);
        var manifest = new AppManifest { App = app, Deploy = new DeploySettings { Path = $"apps/{app}", User = user } };
        var options = new AgentOptions { DataDir = _dataDir };
        var reporter = TestMetrics.Reporter(new Outbox(), "s1");
        var sandbox = await AppSandbox.ForAsync(manifest, options, reporter, CancellationToken.None);
        var layout = new ReleaseLayout(Path.Combine(_dataDir, "apps", app));
        layout.EnsureCreated();
        var release = layout.ReleaseDir("0.1.0-r1");
        Directory.CreateDirectory(release);
        await File.WriteAllTextAsync(Path.Combine(release, "VERSION"), "0.1.0\n");
        Directory.CreateDirectory(Path.Combine(release, "releases", "0.1.0"));
        await File.WriteAllTextAsync(Path.Combine(release, "releases", "start_erl.data"), "13.1.5 0.1.0\n");
        await File.WriteAllTextAsync(Path.Combine(release, "releases", "0.1.0", "sys.config"), "[].\n");
        layout.WriteEnvFile(new Dictionary<string, string> { ["SECRET"] = app });
        File.SetUnixFileMode(Path.GetDirectoryName(layout.Root)!, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.OtherExecute);

        sandbox.SecureDeployPath(layout);
        sandbox.SecureRelease(release);
        return (sandbox, layout);
    }

    private static async Task<List<string>> AsAppAsync(AppSandbox sandbox, string workingDirectory, string script)
    {
        var lines = new List<string>();
        var spec = sandbox.Wrap(new ProcessSpec("sh", ["-c", script]) { WorkingDirectory = workingDirectory, Timeout = TimeSpan.FromSeconds(20) });
        var result = await ProcessRunner.RunAsync(spec, line => { lock (lines) { lines.Add(line.Text); } }, CancellationToken.None);
        Assert.True(result.Succeeded, string.Join('\n', lines));
        return lines;
    }
}
