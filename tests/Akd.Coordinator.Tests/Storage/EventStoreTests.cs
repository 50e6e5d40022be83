using Akd.Contracts.V1;
using Akd.Testing;
using Google.Protobuf.WellKnownTypes;

namespace Akd.Coordinator.Tests.Storage;

[Collection(StoreCollection.Name)]
public sealed class EventStoreTests(PostgresCluster cluster)
{
    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task Append_SeveralEvents_SeqIncreasesAndReadKeepsOrderAndFields(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Deployments.CreateAsync(TempDatabase.NewDeployment("d-1"), "app: hello", CancellationToken.None);
        var at = new DateTimeOffset(2026, 3, 4, 5, 6, 7, 890, TimeSpan.Zero);
        var events = new[]
        {
            new DeploymentEvent { DeploymentId = "d-1", At = Timestamp.FromDateTimeOffset(at), Kind = EventKind.Deployment, DeploymentState = DeploymentState.Building, Message = "build on build-1" },
            new DeploymentEvent { DeploymentId = "d-1", At = Timestamp.FromDateTimeOffset(at), Kind = EventKind.Log, Host = "build-1", Step = StepKind.Build, Stream = "stderr", Message = "==> hello\n'quoted' \"text\"" },
            new DeploymentEvent { DeploymentId = "d-1", At = Timestamp.FromDateTimeOffset(at), Kind = EventKind.Step, Host = "web-1", Step = StepKind.Activate, StepState = StepState.Succeeded, ReleaseId = "0.1.0-x", Version = "0.1.0" },
        };

        // Act
        foreach (var e in events)
        {
            await db.Events.AppendAsync(e, CancellationToken.None);
        }

        var read = await db.Events.ReadAsync("d-1", 0, CancellationToken.None);

        // Assert
        Assert.True(events[0].Seq > 0 && events[0].Seq < events[1].Seq && events[1].Seq < events[2].Seq);
        Assert.Equal(events, read);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task Read_AfterSeqOfOtherDeploymentsInterleaved_ReturnsOnlyLaterEventsOfThisOne(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Deployments.CreateAsync(TempDatabase.NewDeployment("d-1"), "app: hello", CancellationToken.None);
        await db.Deployments.CreateAsync(TempDatabase.NewDeployment("d-2", app: "shop"), "app: shop", CancellationToken.None);
        var seqs = new List<long>();
        for (var i = 0; i < 6; i++)
        {
            var e = new DeploymentEvent { DeploymentId = i % 2 == 0 ? "d-1" : "d-2", At = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow), Message = $"line {i}" };
            await db.Events.AppendAsync(e, CancellationToken.None);
            seqs.Add(e.Seq);
        }

        // Act
        var later = await db.Events.ReadAsync("d-1", seqs[0], CancellationToken.None);

        // Assert
        Assert.Equal(["line 2", "line 4"], later.Select(e => e.Message));
    }
}
