using Xunit.Abstractions;

namespace Akd.Installers.Tests;

/// <summary>
/// The exposure <c>systemd-analyze security --offline=true</c> gives each shipped unit (0 is best,
/// 10 worst), held at the limits of issue 12 so a loosened unit fails here.
/// </summary>
public sealed class SystemdSecurityTests(ITestOutputHelper output) : IDisposable
{
    private const int TestTimeoutMs = 60_000;
    private static readonly TimeSpan AnalyzeTimeout = TimeSpan.FromSeconds(30);

    private readonly DirectoryInfo _tempDir = Directory.CreateTempSubdirectory("akd-security-");

    public static TheoryData<string, double> Limits => new()
    {
        { "akd-coordinator.service", 1.5 },
        // The apps the agent starts inherit its sandbox (installers/README.md: what is left out, and why).
        { "akd-agent.service", 2.5 },
        // The root helper that makes app users (rates 1.2): root and CAP_CHOWN for useradd, and nothing else.
        { "akd-app-user@.service", 1.5 },
    };

    [RequiresToolTheory("systemd-analyze", "systemd", Timeout = TestTimeoutMs)]
    [MemberData(nameof(Limits))]
    public async Task Security_ShippedUnit_RatesWithinLimit(string unit, double limit)
    {
        // Arrange
        var text = await File.ReadAllTextAsync(InstallerFiles.SystemdUnit(unit));

        // Act
        var result = await RateAsync(unit, text);

        // Assert
        Assert.True(result.Exposure is not null, "no overall exposure in the output of systemd-analyze security");
        Assert.True(result.Exposure <= limit, $"{unit} rates {result.Exposure}, over {limit}");
    }

    [RequiresToolFact("systemd-analyze", "systemd", Timeout = TestTimeoutMs)]
    public async Task Security_AgentUnitWithoutSandbox_RatesOverLimit()
    {
        // Arrange: the same unit without its sandbox lines; proves the limit above can be missed.
        var text = await File.ReadAllTextAsync(InstallerFiles.SystemdUnit("akd-agent.service"));
        var sandbox = new[] { "Protect", "Private", "Restrict", "SystemCall", "Capability" };
        var bare = string.Join('\n', text.Split('\n').Where(line => !sandbox.Any(p => line.StartsWith(p, StringComparison.Ordinal))));

        // Act
        var result = await RateAsync("akd-agent.service", bare);

        // Assert
        Assert.True(result.Exposure > 2.5, $"the unit without its sandbox rates {result.Exposure}");
    }

    public void Dispose() => _tempDir.Delete(recursive: true);

    private async Task<SecurityResult> RateAsync(string unit, string text)
    {
        var analyze = SystemdAnalyze.FindExecutable() ?? throw new InvalidOperationException(SystemdAnalyze.InstallHint);

        // The offline rating reads only the file; its ExecStart= program must exist, as for verify.
        var program = File.Exists("/bin/true") ? "/bin/true" : "/usr/bin/true";
        var unitPath = Path.Combine(_tempDir.FullName, unit);
        await File.WriteAllTextAsync(unitPath, UnitFile.WithExecStartProgram(text, program));

        using var cts = new CancellationTokenSource(AnalyzeTimeout);
        var result = await SystemdAnalyze.SecurityAsync(analyze, unitPath, AnalyzeTimeout, cts.Token);

        output.WriteLine($"$ {analyze} security --offline=true {unitPath}  -> exit {result.ExitCode}, exposure {result.Exposure}");
        foreach (var line in result.Lines.Where(line => line.StartsWith('✗') || line.StartsWith('→')))
        {
            output.WriteLine(line);
        }

        return result;
    }
}
