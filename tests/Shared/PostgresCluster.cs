namespace Akd.Testing;

/// <summary>
/// The tests' throwaway PostgreSQL (a <see cref="PostgresServer"/>) as an xunit fixture, shared by a class or
/// collection. When no server can start, <see cref="Unavailable"/> says why; CI (<c>CI=true</c>) treats that as a
/// failure, not a skip.
/// </summary>
public sealed class PostgresCluster : Xunit.IAsyncLifetime
{
    private PostgresServer? _server;

    /// <summary>Why no cluster runs (null when one does).</summary>
    public string? Unavailable { get; private set; }

    public int Port => _server?.Port ?? 0;

    public async Task InitializeAsync()
    {
        if (PostgresServer.NotInstalled is { } reason)
        {
            Unavailable = reason;
            return;
        }

        using var deadline = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            _server = await PostgresServer.StartAsync(deadline.Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            Unavailable = $"PostgreSQL did not start: {ex.Message}";
        }
    }

    /// <summary>Superuser connection string of database <paramref name="database"/>.</summary>
    public string ConnectionString(string database = "postgres") => Server.ConnectionString(database);

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
    public Task<string> CreateDatabaseAsync(CancellationToken ct)
    {
        Require();
        return Server.CreateDatabaseAsync(ct);
    }

    public Task DropDatabaseAsync(string name, CancellationToken ct) => Server.DropDatabaseAsync(name, ct);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private PostgresServer Server => _server ?? throw new InvalidOperationException(Unavailable ?? "the cluster has not started");
}
