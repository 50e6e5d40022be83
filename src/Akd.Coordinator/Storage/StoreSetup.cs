using Akd.Coordinator.Observability;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Storage;

/// <summary>
/// Picks the store: PostgreSQL when <c>ConnectionStrings:Postgres</c> (<c>--postgres</c>) is set, else
/// SQLite under <c>--data-dir</c>. Either way the same stores run on it.
/// </summary>
internal static partial class StoreSetup
{
    /// <summary>The configuration key of the PostgreSQL connection string; <c>--postgres</c> sets it.</summary>
    public const string PostgresKey = "ConnectionStrings:Postgres";

    public static IServiceCollection AddStore(this IServiceCollection services)
    {
        services.AddSingleton<Database>(OpenDatabase);
        services.AddSingleton<AgentStore>();
        services.AddSingleton<DeploymentStore>();
        services.AddSingleton<EventStore>();
        services.AddSingleton<DeployLockStore>();
        return services;
    }

    private static Database OpenDatabase(IServiceProvider services)
    {
        var configuration = services.GetRequiredService<IConfiguration>();
        var metrics = services.GetService<CoordinatorMetrics>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Akd.Coordinator.Storage");
        var postgres = configuration[PostgresKey];
        if (string.IsNullOrWhiteSpace(postgres))
        {
            var options = services.GetRequiredService<IOptions<CoordinatorOptions>>();
            LogSqlite(logger, Path.Combine(options.Value.DataDir, "akd.db"));
            return new SqliteDatabase(options, metrics);
        }

        var target = PostgresDatabase.Describe(postgres);
        PostgresDatabase database;
        try
        {
            database = new PostgresDatabase(postgres, metrics);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or ArgumentException or TimeoutException)
        {
            // The connection string itself is never repeated: it may hold a password.
            throw new InvalidOperationException($"the PostgreSQL store ({target}) cannot be opened: {ex.Message}", ex);
        }

        LogPostgres(logger, target, database.AppliedMigrations, PostgresMigrations.All[^1].Version);
        return database;
    }

    [LoggerMessage(EventId = 950, Level = LogLevel.Information, Message = "Store: SQLite at {Path}")]
    private static partial void LogSqlite(ILogger logger, string path);

    [LoggerMessage(EventId = 951, Level = LogLevel.Information, Message = "Store: PostgreSQL ({Target}); applied {Applied} migration(s), schema version {Version}")]
    private static partial void LogPostgres(ILogger logger, string target, int applied, int version);
}
