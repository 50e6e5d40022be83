using Akd.Testing;

namespace Akd.Client.Tests.Channels;

/// <summary>A real coordinator process the failover tests call, and a loopback port where nothing listens (a replica that is down).</summary>
public sealed class OneCoordinator : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("akd-client-").FullName;

    public TestCoordinator Coordinator { get; private set; } = null!;

    /// <summary>A replica that is down: connections to it are refused.</summary>
    public string DownUrl { get; } = $"https://127.0.0.1:{Ports.Free()}";

    public async Task InitializeAsync() =>
        Coordinator = await TestCoordinator.StartAsync(AkdPrograms.Current, Path.Combine(_root, "coordinator"), CancellationToken.None);

    public Task DisposeAsync()
    {
        Coordinator.Dispose();
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }
}
