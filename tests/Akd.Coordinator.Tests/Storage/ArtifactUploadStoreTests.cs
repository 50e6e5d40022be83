using Akd.Testing;

namespace Akd.Coordinator.Tests.Storage;

[Collection(StoreCollection.Name)]
public sealed class ArtifactUploadStoreTests(PostgresCluster cluster)
{
    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task Record_SameDigestTwice_KeepsTheFirstUploader(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Uploads.RecordAsync("aa11", "release", "agent build-1", "step-7", CancellationToken.None);

        // Act
        await db.Uploads.RecordAsync("aa11", "release", "token 'ci' (deployer)", "", CancellationToken.None);

        // Assert
        Assert.Equal("agent build-1, build step step-7", await db.Uploads.ProvenanceAsync("aa11", CancellationToken.None));
        Assert.True(await db.Uploads.UploadedByAsync("aa11", "agent build-1", CancellationToken.None));
        Assert.False(await db.Uploads.UploadedByAsync("aa11", "token 'ci' (deployer)", CancellationToken.None));
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task Provenance_NoBuildStepOrUnknownDigest_UploaderAloneOrEmpty(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Uploads.RecordAsync("bb22", "source", "token 'ci' (deployer)", "", CancellationToken.None);

        // Act
        var known = await db.Uploads.ProvenanceAsync("bb22", CancellationToken.None);
        var unknown = await db.Uploads.ProvenanceAsync("cc33", CancellationToken.None);

        // Assert
        Assert.Equal("token 'ci' (deployer)", known);
        Assert.Equal("", unknown);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task Record_SameBytesUploadedInALaterBuildStep_BoundToThatStep(string engine)
    {
        // Arrange: a release uploaded in one build step, the same bytes again in a later one.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Uploads.RecordAsync("dd44", "release", "agent build-1", "step-1", CancellationToken.None);

        // Act
        await db.Uploads.RecordAsync("dd44", "release", "agent build-2", "step-2", CancellationToken.None);

        // Assert
        Assert.True(await db.Uploads.UploadedInStepAsync("dd44", "agent build-2", "step-2", CancellationToken.None));
        Assert.False(await db.Uploads.UploadedInStepAsync("dd44", "agent build-1", "step-1", CancellationToken.None));
        Assert.False(await db.Uploads.UploadedInStepAsync("dd44", "agent build-2", "", CancellationToken.None));
        Assert.Equal("agent build-2, build step step-2", await db.Uploads.ProvenanceAsync("dd44", CancellationToken.None));
    }
}
