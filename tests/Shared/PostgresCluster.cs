using System.Diagnostics;
using Npgsql;

namespace Akd.Testing;

/// <summary>
/// A throwaway PostgreSQL cluster for the tests: Debian's <c>initdb</c> and <c>pg_ctl</c> (scripts/setup.sh
/// installs them) in a temp dir, listening on a free loopback port, run as the <c>postgres</c> user when
/// the tests run as root (PostgreSQL refuses root), stopped and deleted on dispose. When no cluster can
/// start, <see cref="Unavailable"/> says why; CI (<c>CI=true</c>) treats that as a failure, not a skip.
/// </summary>
public sealed class PostgresCluster : Xunit.IAsyncLifetime
{
    private static readonly TimeSpan ToolDeadline = TimeSpan.FromSeconds(60);
    private readonly string? _bin = FindBinDir();
    private string? _root;

    /// <summary>Why no cluster runs (null when one does).</summary>
    public string? Unavailable { get; private set; }

    public async Task InitializeAsync()
    {
        if (_bin is null)
        {
            Unavailable = "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; scripts/setup.sh installs it)";
            return;
        }

        _root = Directory.CreateTempSubdirectory("akd-pg-").FullName;
        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await StartAsync(deadline.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            Unavailable = $"PostgreSQL did not start: {ex.Message}";
        }
    }

    public int Port { get; private set; }

    /// <summary>Superuser connection string of database <paramref name="database"/>.</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database }.ToString();

    /// <summary>Throws when there is no cluster: a skip with the reason, or in CI a failure.</summary>
    public void Require()
    {
        if (Unavailable is null)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"CI must run the PostgreSQL tests: {Unavailable}");
        }

        throw new Xunit.SkipException(Unavailable);
    }

    /// <summary>A new, empty database on the cluster; its name.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken ct)
    {
        Require();
        var name = "akd_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync($"CREATE DATABASE {name}", ct);
        return name;
    }

    public Task DropDatabaseAsync(string name, CancellationToken ct) => ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", ct);

    public async Task DisposeAsync()
    {
        if (_root is null)
        {
            return;
        }

        if (Port != 0)
        {
            using var deadline = new CancellationTokenSource(ToolDeadline);
            await RunToolAsync(deadline.Token, "pg_ctl", "-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop");
        }

        Directory.Delete(_root, recursive: true);
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(ConnectionString());
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(ct);
    }

    private async Task StartAsync(CancellationToken ct)
    {
        var data = Path.Combine(_root!, "data");
        var sockets = Path.Combine(_root!, "sockets");
        Directory.CreateDirectory(sockets);
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync(ct, "chown", "-R", "postgres:postgres", _root!);
        }

        await RunToolAsync(ct, "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions");
        Port = Ports.Free();
        // Settings go into the file, not through pg_ctl -o (a string pg_ctl hands to a shell).
        await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"), $"""

            listen_addresses = '127.0.0.1'
            port = {Port}
            unix_socket_directories = '{sockets}'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 200
            """, ct);
        await RunToolAsync(ct, "pg_ctl", "-D", data, "-l", Path.Combine(_root!, "postgres.log"), "-w", "-t", "60", "start");
    }

    private Task RunToolAsync(CancellationToken ct, string tool, params string[] args)
    {
        var path = Path.Combine(_bin!, tool);
        return Environment.IsPrivilegedProcess ? RunAsync(ct, "runuser", ["-u", "postgres", "--", path, .. args]) : RunAsync(ct, path, args);
    }

    private static async Task RunAsync(CancellationToken ct, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(ToolDeadline);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} did not finish in {ToolDeadline}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr}{await stdout}");
        }
    }

    private static string? FindBinDir() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(bin => File.Exists(Path.Combine(bin, "initdb")) && File.Exists(Path.Combine(bin, "pg_ctl")))
                .OrderByDescending(bin => int.TryParse(Path.GetFileName(Path.GetDirectoryName(bin)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;

}
