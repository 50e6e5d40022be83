using System.Text;
using System.Text.Json;
using Xunit.Abstractions;

namespace Akd.Installers.Tests.Packages;

/// <summary>
/// installers/install.sh --agent --join, run for real: into a disposable root, from the programs the package
/// fixture published (no second publish), with a FAKE systemctl first on its PATH (systemd is not PID 1 here);
/// then the agent it installed is started the way its installed unit says, against a real coordinator.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class InstallScriptTests(PackagesFixture packages, ITestOutputHelper output)
{
    private const int TestTimeoutMs = 300_000;
    private const string Unit = "akd-agent.service";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(2);

    [RequiresToolFact("dpkg-deb", "dpkg", root: true, Timeout = TestTimeoutMs)]
    public async Task InstallAgentWithJoin_ScratchRoot_WritesUnitAndConfigAndTheInstalledAgentEnrollsAndConnects()
    {
        // Arrange: a coordinator from the published programs, and a join token for the new host from akdctl.
        Assert.True(packages.Failure is null, packages.Failure);
        using var cts = new CancellationTokenSource(TestTimeoutMs);
        using var root = await DisposableRoot.CreateAsync(cts.Token);
        using var systemctl = new FakeSystemctl();
        var coordinatorData = Directory.CreateTempSubdirectory("akd-install-coordinator-");
        var operatorFiles = Directory.CreateTempSubdirectory("akd-install-operator-");
        var port = Ports.Free();
        var url = $"https://127.0.0.1:{port}";
        using var coordinator = ManagedProcess.Start(
            "coordinator", Path.Combine(packages.PublishDir, "coordinator", "akd-coordinator"), ["--urls", url, "--data-dir", coordinatorData.FullName]);
        try
        {
            await Ports.WaitListeningAsync(port, TimeSpan.FromSeconds(60), cts.Token, () => coordinator.Output);
            var name = $"installed-{Guid.NewGuid().ToString("N")[..6]}";
            var printed = await AkdctlAsync(url, coordinatorData.FullName, cts.Token, "agents", "join-token", "--labels", "role=web", "--name", name);
            var token = Assert.Single(printed.Split('\n', StringSplitOptions.TrimEntries), line => line.StartsWith("akdj1.", StringComparison.Ordinal));
            var secret = token.Split('.')[2];

            // The token from a file (0600, outside the root), as an operator should pass it: not on the command line.
            var tokenFile = Path.Combine(operatorFiles.FullName, "join.token");
            await File.WriteAllTextAsync(tokenFile, token + "\n", cts.Token);
            File.SetUnixFileMode(tokenFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);

            // Act: install, then run the installed agent as its installed unit would.
            var script = Path.Combine(RepoRoot.Path, "installers", "install.sh");
            var install = await Tool.RunAsync(
                script,
                ["--agent", "--coordinator", url, "--join-file", tokenFile, "--name", name, "--root", root.Path, "--from", packages.PublishDir, "--enable"],
                ToolTimeout, cts.Token, new Dictionary<string, string> { ["PATH"] = systemctl.Path, ["LANG"] = "C.UTF-8" });
            output.WriteLine($"$ install.sh --agent --join-file ... --root {root.Path} -> exit {install.ExitCode}\n{install.Output}");
            Assert.Equal(0, install.ExitCode);

            var gid = Assert.Single(root.UserEntries("akd"), line => line.StartsWith("group:", StringComparison.Ordinal)).Split(':')[3];
            var unitText = await File.ReadAllTextAsync(root.Combine("etc/systemd/system/" + Unit), cts.Token);
            using var agent = StartAsTheUnitSays(root, unitText);
            await agent.WaitForLineAsync("Connected to ", TimeSpan.FromSeconds(60), cts.Token);
            var agents = await AkdctlAsync(url, coordinatorData.FullName, cts.Token, "agents", "--output", "json");

            // Assert: the unit is the shipped one pointing at the link, which points at the installed program.
            var shipped = await File.ReadAllTextAsync(InstallerFiles.SystemdUnit(Unit), cts.Token);
            Assert.Equal(shipped.Replace("ExecStart=/usr/bin/akd-agent ", "ExecStart=/usr/local/bin/akd-agent ", StringComparison.Ordinal), unitText);
            Assert.Equal("/opt/akd/agent/akd-agent", new FileInfo(root.Combine("usr/local/bin/akd-agent")).LinkTarget);
            Assert.True(File.Exists(root.Combine("opt/akd/agent/akd-agent")));
            Assert.Equal([$"--root={root.Path} enable -- {Unit} akd-app-user.socket"], systemctl.Calls);

            // The app user helper: its socket as shipped, its service running the linked agent.
            Assert.Equal(await File.ReadAllTextAsync(InstallerFiles.SystemdUnit("akd-app-user.socket"), cts.Token),
                await File.ReadAllTextAsync(root.Combine("etc/systemd/system/akd-app-user.socket"), cts.Token));
            Assert.Equal(
                (await File.ReadAllTextAsync(InstallerFiles.SystemdUnit("akd-app-user@.service"), cts.Token))
                    .Replace("ExecStart=/usr/bin/akd-agent ", "ExecStart=/usr/local/bin/akd-agent ", StringComparison.Ordinal),
                await File.ReadAllTextAsync(root.Combine("etc/systemd/system/akd-app-user@.service"), cts.Token));

            // The config names the coordinator and the agent; the token is in agent.env only, root's and the akd group's.
            using (var config = JsonDocument.Parse(await File.ReadAllTextAsync(root.Combine("etc/akd/agent.json"), cts.Token)))
            {
                Assert.Equal(url, config.RootElement.GetProperty("Agent").GetProperty("Coordinator").GetString());
                Assert.Equal(name, config.RootElement.GetProperty("Agent").GetProperty("Name").GetString());
            }

            Assert.Equal($"AKD_JOIN_TOKEN={token}\n", await File.ReadAllTextAsync(root.Combine("etc/akd/agent.env"), cts.Token));
            foreach (var (path, mode) in new[] { ("etc/akd", "750"), ("etc/akd/agent.json", "640"), ("etc/akd/agent.env", "640") })
            {
                Assert.Equal($"{mode} 0:{gid}", (await Tool.RunAsync("stat", ["-c", "%a %u:%g", root.Combine(path)], ToolTimeout, cts.Token)).Output.Trim());
            }

            // Enrolled and connected, as akdctl sees it.
            Assert.Contains(agents.Split('\n', StringSplitOptions.RemoveEmptyEntries), line =>
            {
                using var json = JsonDocument.Parse(line);
                return json.RootElement.GetProperty("name").GetString() == name && json.RootElement.GetProperty("state").GetString() == "online";
            });
            Assert.True(File.Exists(root.Combine("var/lib/akd-agent/identity/agent.crt")));

            // The secret is nowhere else in cleartext: not in the installer's output, systemctl's arguments, the agent's
            // log or command line, any other file of the root, nor the coordinator's store (it keeps a hash).
            var leaks = new List<string>();
            foreach (var (what, text) in new[] { ("install.sh output", install.Output), ("systemctl calls", string.Join('\n', systemctl.Calls)), ("agent log", agent.Output), ("agent command line", await File.ReadAllTextAsync($"/proc/{agent.Pid}/cmdline", cts.Token)) })
            {
                if (text.Contains(secret, StringComparison.Ordinal))
                {
                    leaks.Add(what);
                }
            }

            leaks.AddRange(FilesHolding(root.Path, secret).Where(file => file != root.Combine("etc/akd/agent.env")));
            leaks.AddRange(FilesHolding(coordinatorData.FullName, secret));
            Assert.True(leaks.Count == 0, "the join token's secret is in cleartext in: " + string.Join(", ", leaks));
        }
        finally
        {
            output.WriteLine(coordinator.Output);
            coordinator.Kill();
            coordinatorData.Delete(recursive: true);
            operatorFiles.Delete(recursive: true);
        }
    }

    /// <summary>
    /// The installed agent, started from the installed unit's ExecStart=, EnvironmentFile= and Environment= lines, every
    /// absolute path taken inside the root. As root: the root's akd user is not this host's. The config is named with
    /// --config because the agent's default, /etc/akd/agent.json, is this host's file, not the root's.
    /// </summary>
    private static ManagedProcess StartAsTheUnitSays(DisposableRoot root, string unitText)
    {
        string InRoot(string path) => path.StartsWith('/') ? root.Combine(path[1..]) : path;
        var lines = unitText.Split('\n').Select(line => line.Trim()).ToList();
        string[] Values(string key) => [.. lines.Where(line => line.StartsWith(key + "=", StringComparison.Ordinal)).Select(line => line[(key.Length + 1)..])];

        var exec = Assert.Single(Values("ExecStart")).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var link = InRoot(exec[0]);
        var program = InRoot(new FileInfo(link).LinkTarget ?? link);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var file in Values("EnvironmentFile").Select(value => InRoot(value.TrimStart('-'))).Where(File.Exists))
        {
            foreach (var pair in File.ReadAllLines(file).Where(line => line.Contains('=')))
            {
                env[pair[..pair.IndexOf('=')]] = pair[(pair.IndexOf('=') + 1)..];
            }
        }

        foreach (var pair in Values("Environment"))
        {
            env[pair[..pair.IndexOf('=')]] = InRoot(pair[(pair.IndexOf('=') + 1)..]);
        }

        return ManagedProcess.Start("installed-agent", program, [.. exec.Skip(1).Select(InRoot), "--config", InRoot("/etc/akd/agent.json")], env);
    }

    private async Task<string> AkdctlAsync(string url, string coordinatorData, CancellationToken ct, params string[] arguments)
    {
        var result = await Tool.RunAsync(
            Path.Combine(packages.PublishDir, "cli", "akdctl"),
            ["--coordinator", url, "--ca-file", Path.Combine(coordinatorData, "pki", "ca.crt"), "--token-file", Path.Combine(coordinatorData, "admin.token"), .. arguments],
            ToolTimeout, ct);
        Assert.True(result.ExitCode == 0, $"akdctl {string.Join(' ', arguments)} exited with {result.ExitCode}: {result.Output}");
        return result.Output;
    }

    private static IEnumerable<string> FilesHolding(string dir, string secret)
    {
        var needle = Encoding.UTF8.GetBytes(secret);
        return Directory.EnumerateFiles(dir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Where(file => new FileInfo(file).LinkTarget is null && File.ReadAllBytes(file).AsSpan().IndexOf(needle) >= 0);
    }
}
