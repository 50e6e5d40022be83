using Xunit.Abstractions;

namespace Akd.Installers.Tests;

public sealed class SystemdUnitTests(ITestOutputHelper output) : IDisposable
{
    private const int TestTimeoutMs = 60_000;
    private static readonly TimeSpan VerifyTimeout = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _tempDir = Directory.CreateTempSubdirectory("akd-units-");

    public static TheoryData<string> Units => new() { "akd-agent.service", "akd-coordinator.service" };

    [RequiresToolTheory("systemd-analyze", "systemd", Timeout = TestTimeoutMs)]
    [MemberData(nameof(Units))]
    public async Task Verify_ShippedUnit_ReportsNothingAboutTheUnit(string unit)
    {
        // Arrange
        var text = await File.ReadAllTextAsync(InstallerFiles.SystemdUnit(unit));

        // Act
        var (unitPath, result) = await VerifyCopyAsync(unit, text);

        // Assert
        var findings = result.Lines.Where(line => line.Contains(Path.GetFileName(unitPath), StringComparison.Ordinal)).ToList();
        Assert.True(findings.Count == 0, $"systemd-analyze verify reported on {unit}:\n{string.Join('\n', findings)}");
        Assert.Equal(0, result.ExitCode);
    }

    [RequiresToolFact("systemd-analyze", "systemd", Timeout = TestTimeoutMs)]
    public async Task Verify_UnitWithBadSetting_ReportsTheUnit()
    {
        // Arrange: proves that a finding on the unit is seen, so the test above can fail.
        var text = await File.ReadAllTextAsync(InstallerFiles.SystemdUnit("akd-agent.service"));
        var broken = text.Replace("Type=notify\n", "Type=notify\nRestartSecc=2\n", StringComparison.Ordinal);
        Assert.NotEqual(text, broken);

        // Act
        var (unitPath, result) = await VerifyCopyAsync("akd-agent.service", broken);

        // Assert
        Assert.Contains(result.Lines, line =>
            line.Contains(Path.GetFileName(unitPath), StringComparison.Ordinal)
            && line.Contains("RestartSecc", StringComparison.Ordinal));
    }

    [Theory(Timeout = TestTimeoutMs)]
    [MemberData(nameof(Units))]
    public async Task Parse_ShippedUnit_HasServiceAndHardeningSettings(string unit)
    {
        // Arrange
        var text = await File.ReadAllTextAsync(InstallerFiles.SystemdUnit(unit));

        // Act
        var file = UnitFile.Parse(text);

        // Assert
        AssertSingle(file, "Type", "notify");
        AssertSingle(file, "Restart", "on-failure");
        AssertSingle(file, "RestartSec", "2");
        // A refusal that a restart cannot fix (a bad setting, a refused enrollment, another protocol major) is not retried.
        AssertSingle(file, "RestartPreventExitStatus", unit == "akd-agent.service" ? "2 3" : "2");
        AssertSingle(file, "TimeoutStopSec", "30");
        AssertSingle(file, "User", "akd");
        AssertSingle(file, "Group", "akd");
        AssertSingle(file, "NoNewPrivileges", "yes");
        AssertSingle(file, "ProtectSystem", "strict");
        AssertSingle(file, "ProtectHome", "yes");
        AssertSingle(file, "PrivateTmp", "yes");
        AssertSingle(file, "RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6");
        Assert.Empty(file.Values("Service", "MemoryDenyWriteExecute"));
        AssertSingle(file, "PrivateDevices", "yes");
        AssertSingle(file, "ProtectKernelLogs", "yes");
        AssertSingle(file, "ProtectClock", "yes");
        AssertSingle(file, "RestrictNamespaces", "yes");
        AssertSingle(file, "SystemCallArchitectures", "native");
        // The agent runs apps as their own users (setuid/setgid, chown, signals to them); the coordinator needs nothing.
        var capabilities = unit == "akd-agent.service" ? "CAP_SETUID CAP_SETGID CAP_CHOWN CAP_KILL" : "";
        AssertSingle(file, "CapabilityBoundingSet", capabilities);
        AssertSingle(file, "AmbientCapabilities", capabilities);
        Assert.Equal("@system-service", file.Values("Service", "SystemCallFilter")[0]);

        var dataDir = "/var/lib/" + Path.GetFileNameWithoutExtension(unit);
        AssertSingle(file, "ReadWritePaths", dataDir);
        AssertSingle(file, "StateDirectory", Path.GetFileNameWithoutExtension(unit));
        var execStart = Assert.Single(file.Values("Service", "ExecStart"));
        Assert.StartsWith("/usr/bin/" + Path.GetFileNameWithoutExtension(unit) + " ", execStart);
        Assert.Contains("--data-dir " + dataDir, execStart);
    }

    [RequiresToolFact("systemd-analyze", "systemd", Timeout = TestTimeoutMs)]
    public async Task Verify_AppUserHelperUnits_ReportNothingAboutEither()
    {
        // Arrange: the socket and its template service side by side under their own names (Accept=yes: the
        // socket names the template by its own name).
        var program = File.Exists("/bin/true") ? "/bin/true" : "/usr/bin/true";
        var dir = _tempDir.CreateSubdirectory($"helper-{Guid.NewGuid():N}").FullName;
        var paths = new List<string>();
        foreach (var unit in new[] { "akd-app-user.socket", "akd-app-user@.service" })
        {
            var text = await File.ReadAllTextAsync(InstallerFiles.SystemdUnit(unit));
            paths.Add(Path.Combine(dir, unit));
            await File.WriteAllTextAsync(paths[^1], unit.EndsWith(".service", StringComparison.Ordinal) ? UnitFile.WithExecStartProgram(text, program) : text);
        }

        // Act
        var analyze = SystemdAnalyze.FindExecutable() ?? throw new InvalidOperationException(SystemdAnalyze.InstallHint);
        using var cts = new CancellationTokenSource(VerifyTimeout);
        var result = await Tool.RunAsync(analyze, ["verify", .. paths], VerifyTimeout, cts.Token,
            new Dictionary<string, string> { ["SYSTEMD_COLORS"] = "0", ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin" });
        output.WriteLine($"$ {analyze} verify {string.Join(' ', paths)} -> exit {result.ExitCode}\n{result.Output}");

        // Assert
        Assert.DoesNotContain(result.Lines, line => line.Contains("akd-app-user", StringComparison.Ordinal));
        Assert.Equal(0, result.ExitCode);
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Parse_AppUserHelperUnits_OnlyTheAkdGroupConnectsAndTheHelperKeepsOnlyChown()
    {
        // Arrange
        var socket = UnitFile.Parse(await File.ReadAllTextAsync(InstallerFiles.SystemdUnit("akd-app-user.socket")));
        var service = UnitFile.Parse(await File.ReadAllTextAsync(InstallerFiles.SystemdUnit("akd-app-user@.service")));

        // Assert: root and the akd group may connect, each connection its own helper.
        Assert.Equal(["/run/akd-app-user.sock"], socket.Values("Socket", "ListenStream"));
        Assert.Equal(["root", "akd", "0660", "yes"],
            new[] { "SocketUser", "SocketGroup", "SocketMode", "Accept" }.Select(key => Assert.Single(socket.Values("Socket", key))));

        // Assert: the helper's one verb, reading the connection, root with CAP_CHOWN alone, no network.
        Assert.Equal(["/usr/bin/akd-agent --create-app-user"], service.Values("Service", "ExecStart"));
        Assert.Equal(["socket"], service.Values("Service", "StandardInput"));
        Assert.Equal(["socket"], service.Values("Service", "StandardOutput"));
        Assert.Equal(["CAP_CHOWN"], service.Values("Service", "CapabilityBoundingSet"));
        Assert.Equal(["yes"], service.Values("Service", "NoNewPrivileges"));
        Assert.Equal(["yes"], service.Values("Service", "PrivateNetwork"));
        Assert.Equal(["strict"], service.Values("Service", "ProtectSystem"));
        Assert.Equal(["/etc"], service.Values("Service", "ReadWritePaths"));
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Parse_AgentUnit_StopsOnlyTheAgentProcess()
    {
        // Arrange
        var text = await File.ReadAllTextAsync(InstallerFiles.SystemdUnit("akd-agent.service"));

        // Act
        var file = UnitFile.Parse(text);

        // Assert: releases the agent started must survive an agent restart or upgrade.
        AssertSingle(file, "KillMode", "process");
        AssertSingle(file, "EnvironmentFile", "-/etc/akd/agent.env");
    }

    [Fact(Timeout = TestTimeoutMs)]
    public async Task Parse_CoordinatorUnit_ListensWithTls()
    {
        // Arrange
        var text = await File.ReadAllTextAsync(InstallerFiles.SystemdUnit("akd-coordinator.service"));

        // Act
        var file = UnitFile.Parse(text);

        // Assert
        var execStart = Assert.Single(file.Values("Service", "ExecStart"));
        Assert.Contains("--urls https://0.0.0.0:7400", execStart);
        Assert.Empty(file.Values("Service", "KillMode"));
    }

    public void Dispose() => _tempDir.Delete(recursive: true);

    private async Task<(string UnitPath, VerifyResult Result)> VerifyCopyAsync(string unit, string text)
    {
        var analyze = SystemdAnalyze.FindExecutable() ?? throw new InvalidOperationException(SystemdAnalyze.InstallHint);

        // The real programs are not installed here, and systemd-analyze refuses a unit whose
        // ExecStart= does not exist; point it at one that does and keep every other line.
        // A unique name keeps findings about this copy apart from any installed unit.
        var program = File.Exists("/bin/true") ? "/bin/true" : "/usr/bin/true";
        var unitPath = Path.Combine(
            _tempDir.FullName, $"{Path.GetFileNameWithoutExtension(unit)}-verify-{Guid.NewGuid():N}.service");
        await File.WriteAllTextAsync(unitPath, UnitFile.WithExecStartProgram(text, program));

        using var cts = new CancellationTokenSource(VerifyTimeout);
        var result = await SystemdAnalyze.VerifyAsync(analyze, unitPath, VerifyTimeout, cts.Token);

        output.WriteLine($"$ {analyze} verify {unitPath}  -> exit {result.ExitCode}");
        foreach (var line in result.Lines)
        {
            output.WriteLine(line);
        }

        return (unitPath, result);
    }

    private static void AssertSingle(UnitFile file, string key, string expected)
    {
        var values = file.Values("Service", key);
        Assert.True(values.Count == 1, $"expected one {key}= in [Service], found {values.Count}");
        Assert.Equal(expected, values[0]);
    }

}
