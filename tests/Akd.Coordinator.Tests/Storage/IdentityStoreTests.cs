using Akd.Coordinator.Storage;
using Akd.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Akd.Coordinator.Tests.Storage;

[Collection(StoreCollection.Name)]
public sealed class IdentityStoreTests(PostgresCluster cluster)
{
    private static readonly Dictionary<string, string> WebLabels = new() { ["role"] = "web", ["env"] = "staging" };

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task Enroll_OneUseToken_FirstEnrollsSecondRefused(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Identities.AddJoinTokenAsync(Token("t-1", uses: 1), "admin", CancellationToken.None);

        // Act
        var first = await db.Identities.EnrollAsync("t-1", Identity("web-1"), "01AB", DateTimeOffset.UtcNow.AddDays(30), CancellationToken.None);
        var second = await db.Identities.EnrollAsync("t-1", Identity("web-2"), "02CD", DateTimeOffset.UtcNow.AddDays(30), CancellationToken.None);

        // Assert
        Assert.True(first);
        Assert.False(second);
        Assert.Equal(0, (await db.Identities.FindJoinTokenAsync("t-1", CancellationToken.None))?.UsesLeft);
        var identity = Assert.Single(await db.Identities.ListIdentitiesAsync(CancellationToken.None));
        Assert.Equal(("web-1", "staging"), (identity.Name, identity.Labels["env"]));
        Assert.Equal("web-1", (await db.Identities.ListCertificatesAsync(CancellationToken.None))["01ab"]);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task Enroll_NameTaken_RefusedAndTheTokenKeepsItsUse(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Identities.AddJoinTokenAsync(Token("t-1", uses: 1), "admin", CancellationToken.None);
        await db.Identities.AddJoinTokenAsync(Token("t-2", uses: 1), "admin", CancellationToken.None);
        await db.Identities.EnrollAsync("t-1", Identity("web-1"), "01", DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None);

        // Act
        var again = await db.Identities.EnrollAsync("t-2", Identity("web-1"), "02", DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None);

        // Assert
        Assert.False(again);
        Assert.Equal(1, (await db.Identities.FindJoinTokenAsync("t-2", CancellationToken.None))?.UsesLeft);
        Assert.False((await db.Identities.ListCertificatesAsync(CancellationToken.None)).ContainsKey("02"));
    }

    [SkippableTheory(Timeout = 60_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task Enroll_ManyAtOnceOnATwoUseToken_ExactlyTwoEnroll(string engine)
    {
        // Arrange: on PostgreSQL each caller has a store of its own, as coordinator replicas do.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Identities.AddJoinTokenAsync(Token("t-1", uses: 2), "admin", CancellationToken.None);
        var owned = Enumerable.Range(0, 6).Select(_ => db.ConnectionString is { } cs ? new PostgresDatabase(cs) : null).ToList();
        try
        {
            var stores = owned.Select(o => o is null ? db.Identities : new IdentityStore(o, TimeProvider.System)).ToList();

            // Act
            var results = await Task.WhenAll(stores.Select((store, i) => Task.Run(() =>
                store.EnrollAsync("t-1", Identity($"web-{i}"), $"0{i}", DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None))));

            // Assert
            Assert.Equal(2, results.Count(enrolled => enrolled));
            Assert.Equal(2, (await db.Identities.ListIdentitiesAsync(CancellationToken.None)).Count);
            Assert.Equal(0, (await db.Identities.FindJoinTokenAsync("t-1", CancellationToken.None))?.UsesLeft);
        }
        finally
        {
            owned.ForEach(o => o?.Dispose());
        }
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task ListCertificates_ExpiredAndRenewed_OnlyUnexpiredSerials(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Identities.AddJoinTokenAsync(Token("t-1", uses: 1), "admin", CancellationToken.None);
        await db.Identities.EnrollAsync("t-1", Identity("web-1"), "0A", DateTimeOffset.UtcNow.AddMinutes(-1), CancellationToken.None);

        // Act
        await db.Identities.AddCertificateAsync("web-1", "0B", DateTimeOffset.UtcNow.AddDays(30), CancellationToken.None);
        var certificates = await db.Identities.ListCertificatesAsync(CancellationToken.None);

        // Assert
        Assert.Equal(["0B"], certificates.Keys);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task LabelRevokeRemove_EnrolledAgent_ChangeIdentityAndFleetRow(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.Identities.AddJoinTokenAsync(Token("t-1", uses: 2), "admin", CancellationToken.None);
        await db.Identities.EnrollAsync("t-1", Identity("web-1"), "01", DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None);
        await db.Identities.EnrollAsync("t-1", Identity("web-2"), "02", DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None);
        await db.Agents.UpsertOnlineAsync(new Akd.Contracts.V1.AgentHello { Name = "web-1", Toolchain = new() }, CancellationToken.None);
        var revokedAt = new DateTimeOffset(2026, 5, 6, 7, 8, 9, TimeSpan.Zero);

        // Act
        await db.Identities.SetLabelsAsync("web-1", new Dictionary<string, string> { ["role"] = "db" }, CancellationToken.None);
        await db.Identities.RevokeAsync("web-1", revokedAt, CancellationToken.None);
        await db.Identities.RevokeAsync("web-1", revokedAt.AddDays(1), CancellationToken.None);
        await db.Identities.RemoveAsync("web-2", CancellationToken.None);

        // Assert
        var identity = Assert.Single(await db.Identities.ListIdentitiesAsync(CancellationToken.None));
        Assert.Equal(("web-1", "db", revokedAt), (identity.Name, identity.Labels["role"], identity.RevokedAt));
        Assert.Equal("db", Assert.Single(await db.Agents.ListAsync(CancellationToken.None)).Labels["role"]);
        Assert.Equal(["01"], (await db.Identities.ListCertificatesAsync(CancellationToken.None)).Keys);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task ChangedSince_RelabelRevokeRemoveAndReenrollAfterAPoint_OnlyThoseRemovedOnesAsNull(string engine)
    {
        // Arrange: five agents enrolled a minute before the point; web-5 untouched after it.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 12, 0, 0, TimeSpan.Zero));
        var store = new IdentityStore(db.Database, clock);
        await store.AddJoinTokenAsync(Token("t-1", uses: 6), "admin", CancellationToken.None);
        foreach (var name in new[] { "web-1", "web-2", "web-3", "web-4", "web-5" })
        {
            await store.EnrollAsync("t-1", Identity(name), $"serial-{name}", DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None);
        }

        clock.Advance(TimeSpan.FromMinutes(1));
        var since = clock.GetUtcNow();

        // Act
        await store.SetLabelsAsync("web-1", new Dictionary<string, string> { ["role"] = "db" }, CancellationToken.None);
        await store.RevokeAsync("web-2", since, CancellationToken.None);
        await store.RemoveAsync("web-3", CancellationToken.None);
        await store.RemoveAsync("web-4", CancellationToken.None);
        await store.EnrollAsync("t-1", Identity("web-4"), "serial-web-4b", DateTimeOffset.UtcNow.AddDays(1), CancellationToken.None);
        var changed = await store.ChangedSinceAsync(since, CancellationToken.None);

        // Assert
        Assert.Equal(["web-1", "web-2", "web-3", "web-4"], changed.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("db", changed["web-1"]!.Labels["role"]);
        Assert.Equal(since, changed["web-2"]!.RevokedAt);
        Assert.Null(changed["web-3"]);
        Assert.Equal(("web-4", null), (changed["web-4"]!.Name, changed["web-4"]!.RevokedAt));
        Assert.Empty(await store.ChangedSinceAsync(since.AddSeconds(1), CancellationToken.None));
    }

    private static JoinTokenRecord Token(string id, int uses) =>
        new(id, "hash-" + id, WebLabels, "", "web-", DateTimeOffset.UtcNow.AddHours(1), uses);

    private static AgentIdentityRecord Identity(string name) => new(name, WebLabels, DateTimeOffset.UtcNow, null);
}
