using System.Net;
using System.Net.Sockets;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// A coordinator or agent that cannot start as asked (a mistyped flag, a malformed URL, a port in use) says why in one
/// line and exits, before the coordinator listens anywhere or creates a store: the real programs, as an operator or
/// systemd starts them.
/// </summary>
public sealed class ProgramStartRefusalTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("akd-start-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact(Timeout = 60_000)]
    public async Task CoordinatorStart_MistypedPostgresFlag_RefusedNamingItAndNoSqliteStoreIsMade()
    {
        // Act: --postgress for --postgres (before, it started on a SQLite store of its own beside the replicas' database).
        var (exitCode, text) = await RunAsync($"https://127.0.0.1:{Ports.Free()}", ["--postgress", "Host=db.example.org;Database=akd"]);

        // Assert
        Assert.Equal(2, exitCode);
        Assert.Contains("akd-coordinator: unknown option '--postgress' (known: --urls, --data-dir, --dashboard-urls, --postgres,", text);
        Assert.False(File.Exists(Path.Combine(_dataDir, "akd.db")), "a store was created");
    }

    [Fact(Timeout = 60_000)]
    public async Task CoordinatorStart_UrlWithABadPort_RefusedInsteadOfServingEveryAddressOn443()
    {
        // Act
        var (exitCode, text) = await RunAsync("https://127.0.0.1:74OO", []);

        // Assert
        Assert.Equal(2, exitCode);
        Assert.Contains("akd-coordinator: --urls: 'https://127.0.0.1:74OO' is not a listen URL such as https://0.0.0.0:7400", text);
        Assert.DoesNotContain("Now listening", text);
    }

    [Fact(Timeout = 60_000)]
    public async Task CoordinatorStart_PortInUse_OneLineWhyAndExitCode1()
    {
        // Arrange: another process's socket on the port.
        using var squatter = Squat(out var port);

        // Act
        var (exitCode, text) = await RunAsync($"https://127.0.0.1:{port}", []);

        // Assert: no .NET "Unhandled exception" and abort (exit 134).
        Assert.Equal(1, exitCode);
        Assert.Contains($"akd-coordinator: cannot start: Failed to bind to address https://127.0.0.1:{port}: address already in use.", text);
        Assert.DoesNotContain("Unhandled exception", text);
    }

    [Fact(Timeout = 60_000)]
    public async Task AgentStart_MetricsPortInUse_OneLineNamingThePortAndExitCode1()
    {
        // Arrange
        using var squatter = Squat(out var port);

        // Act
        var (exitCode, text) = await WaitAsync(AkdPrograms.Current.StartAgent(
            $"https://127.0.0.1:{Ports.Free()}", "web-1", _dataDir, env: new Dictionary<string, string> { ["AKD_Agent__MetricsPort"] = $"{port}" }));

        // Assert
        Assert.Equal(1, exitCode);
        Assert.Contains($"akd-agent: cannot start: --metrics-port {port}: cannot listen on 127.0.0.1:{port}: Address already in use", text);
        Assert.DoesNotContain("Unhandled exception", text);
    }

    [Fact(Timeout = 60_000)]
    public async Task AgentStart_CoordinatorUrlWithABadPort_SettingRefusedWithExitCode2()
    {
        // Act
        var (exitCode, text) = await WaitAsync(AkdPrograms.Current.StartAgent("https://127.0.0.1:74OO", "web-1", _dataDir));

        // Assert
        Assert.Equal(2, exitCode);
        Assert.Contains("akd-agent: cannot start: --coordinator must be a URL such as https://coord:7400", text);
        Assert.DoesNotContain("Unhandled exception", text);
    }

    /// <summary>A socket on a loopback port, as another program holding it.</summary>
    private static TcpListener Squat(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }

    private Task<(int ExitCode, string Output)> RunAsync(string url, string[] extraArgs) =>
        WaitAsync(AkdPrograms.Current.StartCoordinator(url, _dataDir, extraArgs: extraArgs));

    private async Task<(int ExitCode, string Output)> WaitAsync(ManagedProcess program)
    {
        using (program)
        {
            using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(45));
            await program.WaitForExitAsync(patience.Token);
            output.WriteLine(program.Output);
            return (program.ExitCode, program.Output);
        }
    }
}
