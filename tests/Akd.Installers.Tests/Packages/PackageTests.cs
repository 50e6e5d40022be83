using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace Akd.Installers.Tests.Packages;

/// <summary>
/// The .deb packages of installers/build-packages.sh, installed with dpkg into a disposable root
/// (<see cref="DisposableRoot"/>): lintian, install, the programs running from the installed files,
/// an upgrade, a purge.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class PackageTests(PackagesFixture packages, ITestOutputHelper output)
{
    // Bounds the test, the package build of the fixture aside.
    private const int TestTimeoutMs = 300_000;
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(3);

    // Without the SDK: no dotnet on PATH, no DOTNET_ROOT; the programs carry what they need.
    private static readonly Dictionary<string, string> NoDotnet = new() { ["PATH"] = "/nonexistent", ["LANG"] = "C.UTF-8" };

    [RequiresToolFact("lintian", "lintian", root: true, Timeout = TestTimeoutMs)]
    public async Task Lintian_BuiltPackages_ReportsNoErrors()
    {
        // Arrange
        AssertBuilt();
        using var cts = new CancellationTokenSource(TestTimeoutMs);

        foreach (var package in PackagesFixture.Packages)
        {
            // Act
            var result = await Tool.RunAsync("lintian", ["--fail-on", "error", packages.Deb(package)], ToolTimeout, cts.Token);
            output.WriteLine($"$ lintian {Path.GetFileName(packages.Deb(package))} -> exit {result.ExitCode}\n{result.Output}");

            // Assert
            Assert.DoesNotContain(result.Lines, line => line.StartsWith("E: ", StringComparison.Ordinal));
            Assert.Equal(0, result.ExitCode);
        }
    }

    [RequiresToolFact("dpkg-deb", "dpkg", root: true, Timeout = TestTimeoutMs)]
    public async Task Install_FreshRoot_ProgramsRunFromInstalledFilesWithoutDotnet()
    {
        // Arrange
        AssertBuilt();
        using var cts = new CancellationTokenSource(TestTimeoutMs);
        using var root = await DisposableRoot.CreateAsync(cts.Token);

        // Act
        await InstallAsync(root, packages.Dir, packages.Version, cts.Token);

        // Assert
        foreach (var program in new[] { "akd-agent", "akdctl", "akd-coordinator" })
        {
            var result = await Tool.RunAsync(root.Combine("usr/bin/" + program), ["--version"], ToolTimeout, cts.Token, NoDotnet);
            output.WriteLine($"$ {program} --version -> exit {result.ExitCode}: {result.Output.Trim()}");
            Assert.Equal(0, result.ExitCode);
            Assert.Contains(packages.Upstream, result.Output);
        }

        foreach (var unit in new[] { "akd-agent.service", "akd-coordinator.service", "akd-app-user.socket", "akd-app-user@.service" })
        {
            Assert.Equal(
                await File.ReadAllTextAsync(InstallerFiles.SystemdUnit(unit), cts.Token),
                await File.ReadAllTextAsync(root.Combine("lib/systemd/system/" + unit), cts.Token));
        }

        var gid = Assert.Single(root.UserEntries("akd"), line => line.StartsWith("group:", StringComparison.Ordinal)).Split(':')[3];
        Assert.Contains(root.UserEntries("akd"), line => line.StartsWith("passwd: akd:", StringComparison.Ordinal));
        var config = root.Combine("etc/akd/agent.json");
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(config));
        Assert.Equal(gid, (await Tool.RunAsync("stat", ["-c", "%g", config], ToolTimeout, cts.Token)).Output.Trim());
        Assert.True(Directory.Exists(root.Combine("var/lib/akd-agent")));
        Assert.True(File.Exists(root.Combine("etc/akd/coordinator.env")));
    }

    [RequiresToolFact("dpkg-deb", "dpkg", root: true, Timeout = TestTimeoutMs)]
    public async Task Install_RebuiltPackagesOverRunningCoordinator_KeepsConfigDataAndCoordinator()
    {
        // Arrange: installed, configured, with agent data and a coordinator serving from the data dir.
        AssertBuilt();
        using var cts = new CancellationTokenSource(TestTimeoutMs);
        using var root = await DisposableRoot.CreateAsync(cts.Token);
        await InstallAsync(root, packages.Dir, packages.Version, cts.Token);

        var config = root.Combine("etc/akd/agent.json");
        var configText = """{ "Agent": { "Coordinator": "https://coord.example.org:7400", "Name": "web-7" } }""";
        await File.WriteAllTextAsync(config, configText, cts.Token);
        var agentData = root.Combine("var/lib/akd-agent/apps/hello/revisions");
        Directory.CreateDirectory(Path.GetDirectoryName(agentData)!);
        await File.WriteAllTextAsync(agentData, "r1\n", cts.Token);

        using var running = StartCoordinator(root, out var port);
        var coordinator = running.Process;
        var token = root.Combine("var/lib/akd-coordinator/admin.token");
        await WaitForAsync(() => File.Exists(token) && new FileInfo(token).Length > 0 && CanConnect(port), coordinator, cts.Token);
        var tokenText = await File.ReadAllTextAsync(token, cts.Token);

        // Act
        await InstallAsync(root, packages.UpgradeDir, packages.UpgradeVersion, cts.Token);

        // Assert
        Assert.Equal(configText, await File.ReadAllTextAsync(config, cts.Token));
        Assert.Equal("r1\n", await File.ReadAllTextAsync(agentData, cts.Token));
        Assert.Equal(tokenText, await File.ReadAllTextAsync(token, cts.Token));
        Assert.True(File.Exists(root.Combine("var/lib/akd-coordinator/pki/ca.crt")));
        Assert.False(coordinator.HasExited, "the coordinator stopped during the upgrade");
        Assert.True(CanConnect(port), "the coordinator stopped listening during the upgrade");
    }

    [RequiresToolFact("dpkg-deb", "dpkg", root: true, Timeout = TestTimeoutMs)]
    public async Task Purge_InstalledAndUsedPackages_LeavesNothingBehind()
    {
        // Arrange
        AssertBuilt();
        using var cts = new CancellationTokenSource(TestTimeoutMs);
        using var root = await DisposableRoot.CreateAsync(cts.Token);
        var before = root.Snapshot();
        await InstallAsync(root, packages.Dir, packages.Version, cts.Token);
        await File.WriteAllTextAsync(root.Combine("etc/akd/agent.env"), "AKD_JOIN_TOKEN=akdj1.x\n", cts.Token);
        Directory.CreateDirectory(root.Combine("var/lib/akd-agent/identity"));
        Directory.CreateDirectory(root.Combine("var/lib/akd-coordinator/pki"));

        // Act
        var purge = await root.DpkgAsync(cts.Token, ["--purge", .. PackagesFixture.Packages]);
        output.WriteLine($"$ dpkg --purge -> exit {purge.ExitCode}\n{purge.Output}");

        // Assert
        Assert.Equal(0, purge.ExitCode);
        var left = root.Snapshot().Except(before).Order(StringComparer.Ordinal).ToList();
        Assert.True(left.Count == 0, "left after purge:\n" + string.Join('\n', left));
        Assert.Empty(root.UserEntries("akd"));
        foreach (var package in PackagesFixture.Packages)
        {
            Assert.Equal("", await root.InstalledVersionAsync(package, cts.Token));
        }
    }

    [RequiresToolFact("dpkg-deb", "dpkg", root: true, Timeout = TestTimeoutMs)]
    public async Task Purge_AppsRunningFromTheRoot_StopsThemAndNoOtherProcess()
    {
        // Arrange: real processes as the agent would have left them in this root: one working from the data dir as
        // another user, one with RELEASE_ROOT there, one under an absolute deploy.path (only AKD_DEPLOY_PATH says it is
        // an app); and two that are not this root's apps: one in the root without the marker, one marked for a deploy
        // path outside the root (another agent's app on this host).
        AssertBuilt();
        using var cts = new CancellationTokenSource(TestTimeoutMs);
        using var root = await DisposableRoot.CreateAsync(cts.Token);
        await InstallAsync(root, packages.Dir, packages.Version, cts.Token);
        var release = Directory.CreateDirectory(root.Combine("var/lib/akd-agent/apps/hello/releases/0.1.0-r1")).FullName;
        var shop = root.Combine("srv/shop");
        var shopRelease = Directory.CreateDirectory(Path.Combine(shop, "releases/0.2.0-r1")).FullName;
        var other = Directory.CreateDirectory(root.Combine("srv/other")).FullName;
        using var asAppUser = Sleep(release, [], asNobody: true);
        using var releaseRoot = Sleep("/", new() { ["RELEASE_ROOT"] = release });
        using var absolute = Sleep(shopRelease, new() { ["AKD_DEPLOY_PATH"] = shop });
        using var unmarked = Sleep(other, []);
        using var elsewhere = Sleep("/", new() { ["AKD_DEPLOY_PATH"] = "/srv/not-in-this-root" });

        // Act
        var purge = await root.DpkgAsync(cts.Token, ["--purge", .. PackagesFixture.Packages]);
        output.WriteLine($"$ dpkg --purge -> exit {purge.ExitCode}\n{purge.Output}");

        // Assert
        Assert.Equal(0, purge.ExitCode);
        foreach (var (what, app) in new[] { ("as the app's user", asAppUser), ("RELEASE_ROOT", releaseRoot), ("absolute deploy.path", absolute) })
        {
            Assert.True(await ExitsAsync(app.Process, cts.Token), $"the app ({what}) still runs after the purge");
        }

        Assert.False(unmarked.Process.HasExited, "a process in the root that is no app was stopped");
        Assert.False(elsewhere.Process.HasExited, "an app outside the root was stopped");
    }

    private void AssertBuilt()
    {
        Assert.True(packages.Failure is null, packages.Failure);
        output.WriteLine(packages.BuildLog);
    }

    private async Task InstallAsync(DisposableRoot root, string dir, string version, CancellationToken cancellationToken)
    {
        var debs = PackagesFixture.Packages.Select(p => packages.Deb(p, version, dir)).ToArray();
        var result = await root.DpkgAsync(cancellationToken, ["--install", .. debs]);
        output.WriteLine($"$ dpkg --root {root.Path} --install {version} -> exit {result.ExitCode}\n{result.Output}");
        Assert.Equal(0, result.ExitCode);
        foreach (var package in PackagesFixture.Packages)
        {
            Assert.Equal("ii " + version, await root.InstalledVersionAsync(package, cancellationToken));
        }
    }

    private static KilledOnDispose StartCoordinator(DisposableRoot root, out int port)
    {
        port = Ports.Free();
        var startInfo = new ProcessStartInfo(root.Combine("usr/bin/akd-coordinator"))
        {
            UseShellExecute = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        startInfo.Environment.Clear();
        foreach (var (key, value) in NoDotnet)
        {
            startInfo.Environment[key] = value;
        }

        startInfo.Environment["HOME"] = root.Combine("var/lib/akd-coordinator");
        foreach (var argument in new[] { "--urls", $"https://127.0.0.1:{port}", "--data-dir", root.Combine("var/lib/akd-coordinator") })
        {
            startInfo.ArgumentList.Add(argument);
        }

        return new KilledOnDispose(Process.Start(startInfo) ?? throw new InvalidOperationException("could not start akd-coordinator"));
    }

    /// <summary>A real long-running process working from <paramref name="workingDirectory"/> with <paramref name="env"/> added.</summary>
    private static KilledOnDispose Sleep(string workingDirectory, Dictionary<string, string> env, bool asNobody = false)
    {
        string[] command = asNobody ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "sleep", "600"] : ["sleep", "600"];
        var startInfo = new ProcessStartInfo(command[0]) { UseShellExecute = false, WorkingDirectory = workingDirectory };
        foreach (var argument in command.Skip(1))
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in env)
        {
            startInfo.Environment[key] = value;
        }

        return new KilledOnDispose(Process.Start(startInfo) ?? throw new InvalidOperationException($"could not start {command[0]}"));
    }

    private static async Task<bool> ExitsAsync(Process process, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await process.WaitForExitAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    private static bool CanConnect(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task WaitForAsync(Func<bool> condition, Process process, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            Assert.False(process.HasExited, $"akd-coordinator exited with {(process.HasExited ? process.ExitCode : 0)}");
            await Task.Delay(100, cancellationToken);
        }
    }
}

/// <summary>A started program that is killed, with its children, when the test ends.</summary>
internal sealed class KilledOnDispose(Process process) : IDisposable
{
    public Process Process { get; } = process;

    public void Dispose()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }

        Process.Dispose();
    }
}
