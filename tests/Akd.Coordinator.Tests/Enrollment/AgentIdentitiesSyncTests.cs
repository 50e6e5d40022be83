using Akd.Coordinator.Enrollment;
using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Akd.Coordinator.Tests.Deployments;
using Akd.Coordinator.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Akd.Coordinator.Tests.Enrollment;

/// <summary>
/// Two replicas on one store, each with its own cache of enrolled agents: what an operator does through one reaches
/// the other at its next sync, and an agent connected to the other loses its stream there as it would here.
/// </summary>
public sealed class AgentIdentitiesSyncTests : IAsyncDisposable
{
    private readonly TempDatabase _db = new();
    private readonly CoordinatorHarness _a;
    private readonly CoordinatorHarness _b;
    private readonly CoordinatorPki _pkiA;
    private readonly CoordinatorPki _pkiB;

    public AgentIdentitiesSyncTests()
    {
        _a = new CoordinatorHarness(_db);
        _b = new CoordinatorHarness(_db);
        _pkiA = Pki("a");
        _pkiB = Pki("b");
    }

    public async ValueTask DisposeAsync()
    {
        _pkiA.Dispose();
        _pkiB.Dispose();

        // The harnesses share the database, which disposing either of them disposes.
        await _db.DisposeAsync();
    }

    [Fact(Timeout = 20_000)]
    public async Task SyncAsync_AgentRevokedThroughAnotherReplica_ClosesItsStreamHereAndRefusesItsCertificate()
    {
        // Arrange: web-1 enrolled, connected to replica b; both replicas have loaded their caches.
        var (a, b) = (Identities(_a, _pkiA), Identities(_b, _pkiB));
        await EnrollAsync("web-1");
        await a.EnsureLoadedAsync(CancellationToken.None);
        await b.EnsureLoadedAsync(CancellationToken.None);
        var agent = await _b.ConnectAsync("web-1", "role=web", CancellationToken.None);

        // Act: revoked through a; b syncs.
        await a.RevokeAsync("web-1", "admin", CancellationToken.None);
        var changed = await b.SyncAsync(CancellationToken.None);

        // Assert: b closed the stream it holds; it knows the agent as revoked (removing an agent still online is
        // allowed only once it is revoked); the next sync has nothing to do.
        Assert.Equal(1, changed);
        Assert.True(agent.Connection!.Replaced.IsCancellationRequested);
        Assert.Equal(0, await b.SyncAsync(CancellationToken.None));
        await b.RemoveAsync("web-1", "admin", CancellationToken.None);
        Assert.False(b.IsEnrolled("web-1"));
    }

    [Fact(Timeout = 20_000)]
    public async Task SyncAsync_RelabelledAndRemovedThroughAnotherReplica_FollowedHere()
    {
        // Arrange
        var (a, b) = (Identities(_a, _pkiA), Identities(_b, _pkiB));
        await EnrollAsync("web-1");
        await EnrollAsync("web-2");
        await a.EnsureLoadedAsync(CancellationToken.None);
        await b.EnsureLoadedAsync(CancellationToken.None);
        var web1 = await _b.ConnectAsync("web-1", "role=web", CancellationToken.None);

        // Act: web-1 relabelled, web-2 revoked then removed, all through a.
        await a.LabelAsync("web-1", new Dictionary<string, string> { ["role"] = "web", ["zone"] = "b" }, CancellationToken.None);
        await a.RevokeAsync("web-2", "admin", CancellationToken.None);
        await a.RemoveAsync("web-2", "admin", CancellationToken.None);
        var changed = await b.SyncAsync(CancellationToken.None);

        // Assert: b routes by the new labels, and web-2 is gone from it.
        Assert.Equal(2, changed);
        Assert.Equal("b", b.LabelsOf("web-1")["zone"]);
        Assert.Equal("b", web1.Connection!.Labels["zone"]);
        Assert.False(web1.Connection.Replaced.IsCancellationRequested);
        Assert.False(b.IsEnrolled("web-2"));
    }

    [Fact(Timeout = 20_000)]
    public async Task SyncAsync_NothingChangedElsewhere_ChangesNothingAndLearnsAgentsEnrolledElsewhere()
    {
        // Arrange: b loaded before web-3 enrolled (through a).
        var b = Identities(_b, _pkiB);
        await EnrollAsync("web-1");
        await b.EnsureLoadedAsync(CancellationToken.None);
        await EnrollAsync("web-3");

        // Act
        var changed = await b.SyncAsync(CancellationToken.None);

        // Assert
        Assert.Equal(0, changed);
        Assert.True(b.IsEnrolled("web-1"));
        Assert.True(b.IsEnrolled("web-3"));
    }

    [Fact(Timeout = 20_000)]
    public async Task SyncAsync_ManyEnrolledOneChangedElsewhere_ReadsOnlyWhatWasStampedAsChanged()
    {
        // Arrange: 50 agents enrolled; the replicas' clock is past the sync lookback since. b loaded them; then web-7's
        // labels are rewritten in the store without a change stamp (a write no replica makes, here to show what a sync
        // reads), and web-8 is relabelled through a.
        for (var i = 0; i < 50; i++)
        {
            await EnrollAsync($"web-{i}");
        }

        var later = new FakeTimeProvider(DateTimeOffset.UtcNow + new CoordinatorOptions().IdentitySyncLookback + TimeSpan.FromMinutes(1));
        var (a, b) = (Identities(_a, _pkiA, later), Identities(_b, _pkiB, later));

        await b.EnsureLoadedAsync(CancellationToken.None);
        await _db.Database.UseAsync(c =>
        {
            using var unstamped = c.Command("UPDATE agent_identities SET labels = '{\"role\":\"unseen\"}' WHERE name = 'web-7'");
            unstamped.ExecuteNonQuery();
        }, CancellationToken.None);
        await a.LabelAsync("web-8", new Dictionary<string, string> { ["role"] = "db" }, CancellationToken.None);

        // Act
        var changed = await b.SyncAsync(CancellationToken.None);

        // Assert: only the stamped change was read and followed.
        Assert.Equal(1, changed);
        Assert.Equal("db", b.LabelsOf("web-8")["role"]);
        Assert.Equal("web", b.LabelsOf("web-7")["role"]);
    }

    /// <param name="clock">The replica's clock, also its store's (the changes it makes are stamped with it); the system's by default.</param>
    private AgentIdentities Identities(CoordinatorHarness harness, CoordinatorPki pki, TimeProvider? clock = null) => clock is null
        ? new(_db.Identities, pki, harness.Registry, TimeProvider.System, NullLogger<AgentIdentities>.Instance)
        : new(new IdentityStore(_db.Database, clock), pki, harness.Registry, clock, NullLogger<AgentIdentities>.Instance);

    private CoordinatorPki Pki(string replica) => new(
        Options.Create(new CoordinatorOptions { DataDir = Directory.CreateDirectory(Path.Combine(_db.Dir, replica)).FullName }),
        Options.Create(new TrustOptions()), ListenUrls.Parse("https://127.0.0.1:7400"), TimeProvider.System, NullLogger<CoordinatorPki>.Instance, _db.Database);

    /// <summary>An agent enrolled as a join token makes it: the token spent, the identity and its first certificate stored.</summary>
    private async Task EnrollAsync(string name)
    {
        var token = new JoinTokenRecord($"t-{name}", "hash", new Dictionary<string, string> { ["role"] = "web" }, name, "", DateTimeOffset.UtcNow.AddHours(1), 1);
        await _db.Identities.AddJoinTokenAsync(token, "admin", CancellationToken.None);
        var identity = new AgentIdentityRecord(name, token.Labels, DateTimeOffset.UtcNow, null);
        Assert.True(await _db.Identities.EnrollAsync(token.Id, identity, $"serial-{name}", DateTimeOffset.UtcNow.AddDays(30), CancellationToken.None));
    }
}
