using Akd.Coordinator.Errors;
using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Akd.Coordinator.Tests.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Security;

/// <summary>Two replicas on one store: a token created or revoked through one counts on the other after its sync.</summary>
public sealed class OperatorTokensSyncTests : IDisposable
{
    private readonly TempDatabase _db = new();

    public void Dispose() => _db.Dispose();

    [Fact(Timeout = 10_000)]
    public async Task SyncAsync_TokenCreatedThenRevokedThroughAnotherReplica_AcceptedThenRefusedHere()
    {
        // Arrange: both replicas loaded their tokens before "ci" was created through a.
        var (a, b) = (Tokens(), Tokens());
        await a.ListAsync(CancellationToken.None);
        await b.ListAsync(CancellationToken.None);
        var (ci, _) = await a.CreateAsync("ci", Role.Deployer, null, "admin", CancellationToken.None);

        // Act, Assert: b accepts it once synced.
        await Assert.ThrowsAsync<UnauthenticatedException>(() => b.AuthenticateAsync(ci, CancellationToken.None));
        await b.SyncAsync(CancellationToken.None);
        var caller = await b.AuthenticateAsync(ci, CancellationToken.None);
        Assert.Equal(("ci", Role.Deployer), (caller.Name, caller.Role));

        // Act, Assert: revoked through a, refused by b once synced.
        await a.RevokeAsync("ci", "admin", CancellationToken.None);
        await b.SyncAsync(CancellationToken.None);
        var refused = await Assert.ThrowsAsync<UnauthenticatedException>(() => b.AuthenticateAsync(ci, CancellationToken.None));
        Assert.StartsWith("token 'ci' was revoked at", refused.Message);
    }

    private OperatorTokens Tokens() => new(new OperatorTokenStore(_db.Database), Options.Create(new CoordinatorOptions { DataDir = _db.Dir }),
        TimeProvider.System, NullLogger<OperatorTokens>.Instance);
}
