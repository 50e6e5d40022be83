using Akd.Coordinator.Storage;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Akd.Coordinator.Tests.Storage;

public sealed class StoreSetupTests : IDisposable
{
    private readonly string _dataDir = Directory.CreateTempSubdirectory("akd-store-setup-").FullName;

    public void Dispose() => Directory.Delete(_dataDir, recursive: true);

    [Fact(Timeout = 10_000)]
    public async Task AddStore_NoPostgresConnectionString_SqliteUnderTheDataDir()
    {
        // Arrange
        await using var services = Services(postgres: null);

        // Act
        var database = services.GetRequiredService<Database>();

        // Assert
        Assert.Equal("sqlite", database.Engine);
        Assert.True(File.Exists(Path.Combine(_dataDir, "akd.db")));
    }

    [Fact(Timeout = 30_000)]
    public async Task AddStore_PostgresUnreachable_FailsNamingHostAndDatabaseButNotThePassword()
    {
        // Arrange: nothing listens on port 1 of loopback.
        await using var services = Services("Host=127.0.0.1;Port=1;Database=akd;Username=akd;Password=hunter2-secret;Timeout=5");

        // Act
        var error = Assert.Throws<InvalidOperationException>(() => services.GetRequiredService<Database>());

        // Assert
        Assert.Contains("host=127.0.0.1 port=1 database=akd user=akd", error.Message);
        Assert.DoesNotContain("hunter2", error.ToString());
        Assert.False(File.Exists(Path.Combine(_dataDir, "akd.db")));
    }

    private ServiceProvider Services(string? postgres)
    {
        var settings = new Dictionary<string, string?> { ["Coordinator:DataDir"] = _dataDir, [StoreSetup.PostgresKey] = postgres };
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(TimeProvider.System);
        services.AddOptions<CoordinatorOptions>().BindConfiguration("Coordinator");
        return services.AddStore().BuildServiceProvider();
    }
}
