using Akd.Contracts.V1;
using Akd.Coordinator.Storage;
using Akd.Testing;

namespace Akd.Coordinator.Tests.Storage;

[Collection(StoreCollection.Name)]
public sealed class ArtifactDeliveryStoreTests(PostgresCluster cluster)
{
    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task Record_TwoHostsAndAResumedOne_EachHostKeepsItsLatestReport(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var deliveries = new ArtifactDeliveryStore(db.Database);
        await deliveries.RecordAsync("d-1", "web-1", new TransferStats { BytesFromCoordinator = 64L << 20 }, CancellationToken.None);
        await deliveries.RecordAsync("d-1", "web-2", new TransferStats { BytesFromCoordinator = 4L << 20, BytesFromPeers = 60L << 20 }, CancellationToken.None);
        await deliveries.RecordAsync("d-2", "web-1", new TransferStats { BytesFromCoordinator = 1 }, CancellationToken.None);

        // Act: web-2 activated again within d-1 (a resumed deployment): its copy was cached.
        await deliveries.RecordAsync("d-1", "web-2", new TransferStats(), CancellationToken.None);
        var found = await deliveries.ForDeploymentAsync("d-1", CancellationToken.None);

        // Assert
        Assert.Equal(["web-1", "web-2"], found.Keys.Order());
        Assert.Equal(new TransferStats { BytesFromCoordinator = 64L << 20 }, found["web-1"]);
        Assert.Equal(new TransferStats(), found["web-2"]);
        Assert.Empty(await deliveries.ForDeploymentAsync("d-3", CancellationToken.None));
    }
}
