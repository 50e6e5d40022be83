using Akd.Coordinator.Storage;
using Akd.Testing;

namespace Akd.Coordinator.Tests.Storage;

[Collection(StoreCollection.Name)]
public sealed class OperatorTokenStoreTests(PostgresCluster cluster)
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task Add_NameInUse_RefusedUntilRevokedThenReplaced(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        var first = await db.OperatorTokens.AddAsync(Token("id-1", "ci", expires: null), Now, CancellationToken.None);

        // Act
        var taken = await db.OperatorTokens.AddAsync(Token("id-2", "ci", expires: null), Now, CancellationToken.None);
        var revoked = await db.OperatorTokens.RevokeAsync("ci", Now, CancellationToken.None);
        var revokedAgain = await db.OperatorTokens.RevokeAsync("ci", Now, CancellationToken.None);
        var replaced = await db.OperatorTokens.AddAsync(Token("id-3", "ci", expires: null), Now, CancellationToken.None);

        // Assert
        Assert.Equal((true, false, true, false, true), (first, taken, revoked, revokedAgain, replaced));
        var token = Assert.Single(await db.OperatorTokens.ListAsync(CancellationToken.None));
        Assert.Equal(("id-3", null), (token.Id, token.RevokedAt));
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task Add_NameOfExpiredToken_MakesRoomAndListKeepsEveryField(string engine)
    {
        // Arrange
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        Assert.False(await db.OperatorTokens.AnyAsync(CancellationToken.None));
        await db.OperatorTokens.AddAsync(Token("id-1", "deploy-bot", expires: Now.AddMinutes(-1)), Now.AddHours(-1), CancellationToken.None);
        await db.OperatorTokens.AddAsync(Token("id-0", "alice", expires: Now.AddDays(7)), Now, CancellationToken.None);

        // Act
        var added = await db.OperatorTokens.AddAsync(Token("id-2", "deploy-bot", expires: Now.AddDays(1)), Now, CancellationToken.None);
        var tokens = await db.OperatorTokens.ListAsync(CancellationToken.None);

        // Assert
        Assert.True(added);
        Assert.True(await db.OperatorTokens.AnyAsync(CancellationToken.None));
        Assert.Equal([Token("id-0", "alice", Now.AddDays(7)), Token("id-2", "deploy-bot", Now.AddDays(1))], tokens);
    }

    [SkippableTheory(Timeout = 30_000)]
    [MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]
    public async Task ChangedSince_CreatedAndRevokedAfterAPoint_OnlyThose(string engine)
    {
        // Arrange: two tokens made before the point.
        await using var db = await TempDatabase.OpenAsync(engine, cluster);
        await db.OperatorTokens.AddAsync(Token("id-1", "alice", expires: null), Now, CancellationToken.None);
        await db.OperatorTokens.AddAsync(Token("id-2", "bob", expires: null), Now, CancellationToken.None);

        // Act: one made and one revoked after it.
        await db.OperatorTokens.AddAsync(Token("id-3", "ci", expires: null) with { CreatedAt = Now.AddMinutes(1) }, Now.AddMinutes(1), CancellationToken.None);
        await db.OperatorTokens.RevokeAsync("bob", Now.AddMinutes(2), CancellationToken.None);
        var changed = await db.OperatorTokens.ChangedSinceAsync(Now, CancellationToken.None);

        // Assert
        Assert.Equal(new (string, DateTimeOffset?)[] { ("id-2", Now.AddMinutes(2)), ("id-3", null) }, changed.Select(t => (t.Id, t.RevokedAt)));
        Assert.Empty(await db.OperatorTokens.ChangedSinceAsync(Now.AddMinutes(3), CancellationToken.None));
    }

    private static OperatorTokenRecord Token(string id, string name, DateTimeOffset? expires) =>
        new(id, name, "deployer", "hash-" + id, "admin", Now.AddMinutes(-5), expires, null);
}
