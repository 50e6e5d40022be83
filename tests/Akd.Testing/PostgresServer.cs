using System.Diagnostics;
using Npgsql;

namespace Akd.Testing;

/// <summary>
/// A throwaway PostgreSQL server for tests and bench/: Debian's <c>initdb</c> and <c>pg_ctl</c> (scripts/setup.sh
/// installs them) in a temp dir, listening on a free loopback port, run as the <c>postgres</c> user when this
/// process is root (PostgreSQL refuses root), stopped and deleted on dispose. Tuned for throwaway data
/// (<c>fsync</c> off): never for data that must survive.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private static readonly TimeSpan ToolDeadline = TimeSpan.FromSeconds(60);
    private readonly string _bin;
    private readonly string _root;

    private PostgresServer(string bin, string root)
    {
        _bin = bin;
        _root = root;
    }

    /// <summary>Why no server can start here (PostgreSQL not installed), or null.</summary>
    public static string? NotInstalled => FindBinDir() is null
        ? "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; scripts/setup.sh installs it)"
        : null;

    public int Port { get; private set; }

    /// <summary>Initialises and starts a server; throws <see cref="InvalidOperationException"/> when it cannot.</summary>
    public static async Task<PostgresServer> StartAsync(CancellationToken ct)
    {
        var bin = FindBinDir() ?? throw new InvalidOperationException(NotInstalled);
        var server = new PostgresServer(bin, Directory.CreateTempSubdirectory("akd-pg-").FullName);
        try
        {
            await server.InitAndStartAsync(ct).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Superuser connection string of database <paramref name="database"/>.</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database }.ToString();

    /// <summary>A new, empty database; its name.</summary>
    public async Task<string> CreateDatabaseAsync(CancellationToken ct)
    {
        var name = "akd_" + Guid.NewGuid().ToString("N")[..12];
        await ExecuteAsync($"CREATE DATABASE {name}", ct).ConfigureAwait(false);
        return name;
    }

    public Task DropDatabaseAsync(string name, CancellationToken ct) => ExecuteAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", ct);

    public async ValueTask DisposeAsync()
    {
        if (Port != 0)
        {
            using var deadline = new CancellationTokenSource(ToolDeadline);
            await RunToolAsync(deadline.Token, "pg_ctl", "-D", Path.Combine(_root, "data"), "-m", "immediate", "-w", "stop").ConfigureAwait(false);
        }

        Directory.Delete(_root, recursive: true);
    }

    private async Task ExecuteAsync(string sql, CancellationToken ct)
    {
        var connection = new NpgsqlConnection(ConnectionString());
        await using (connection.ConfigureAwait(false))
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            var command = new NpgsqlCommand(sql, connection);
            await using (command.ConfigureAwait(false))
            {
                await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
        }
    }

    private async Task InitAndStartAsync(CancellationToken ct)
    {
        var data = Path.Combine(_root, "data");
        var sockets = Path.Combine(_root, "sockets");
        Directory.CreateDirectory(sockets);
        if (Environment.IsPrivilegedProcess)
        {
            await RunAsync(ct, "chown", "-R", "postgres:postgres", _root).ConfigureAwait(false);
        }

        await RunToolAsync(ct, "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync", "--no-instructions").ConfigureAwait(false);
        var port = Ports.Free();
        // Settings go into the file, not through pg_ctl -o (a string pg_ctl hands to a shell).
        await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"), $"""

            listen_addresses = '127.0.0.1'
            port = {port}
            unix_socket_directories = '{sockets}'
            fsync = off
            synchronous_commit = off
            full_page_writes = off
            max_connections = 200
            """, ct).ConfigureAwait(false);
        await RunToolAsync(ct, "pg_ctl", "-D", data, "-l", Path.Combine(_root, "postgres.log"), "-w", "-t", "60", "start").ConfigureAwait(false);
        Port = port;
    }

    private Task RunToolAsync(CancellationToken ct, string tool, params string[] args)
    {
        var path = Path.Combine(_bin, tool);
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
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} did not finish in {ToolDeadline}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await stderr.ConfigureAwait(false)}{await stdout.ConfigureAwait(false)}");
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
