using Akd.Coordinator.Replicas;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Replicas;

public sealed class ReplicaIdentityTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akd-replica-").FullName;

    [Fact]
    public void New_NoReplicaIdTwiceOnOneDataDir_SameGeneratedIdKeptInReplicaId()
    {
        // Act
        var first = new ReplicaIdentity(Options.Create(new CoordinatorOptions { DataDir = _dir }));
        var restarted = new ReplicaIdentity(Options.Create(new CoordinatorOptions { DataDir = _dir }));

        // Assert
        Assert.True(ReplicaIdentity.IsValid(first.Id), first.Id);
        Assert.Equal(first.Id, restarted.Id);
        Assert.Equal(first.Id, File.ReadAllText(Path.Combine(_dir, "replica.id")).Trim());
    }

    [Fact]
    public void New_OtherDataDir_OtherId()
    {
        // Arrange
        var other = Path.Combine(_dir, "other");

        // Act
        var first = new ReplicaIdentity(Options.Create(new CoordinatorOptions { DataDir = _dir }));
        var second = new ReplicaIdentity(Options.Create(new CoordinatorOptions { DataDir = other }));

        // Assert
        Assert.NotEqual(first.Id, second.Id);
    }

    [Fact]
    public void New_ReplicaIdGiven_UsedAndNothingWritten()
    {
        // Act
        var identity = new ReplicaIdentity(Options.Create(new CoordinatorOptions { DataDir = _dir, ReplicaId = "coord-b" }));

        // Assert
        Assert.Equal("coord-b", identity.Id);
        Assert.False(File.Exists(Path.Combine(_dir, "replica.id")));
    }

    [Theory]
    [InlineData("two words")]
    [InlineData("a/b")]
    public void New_BadReplicaId_Refused(string id)
    {
        // Act
        var ex = Assert.Throws<InvalidOperationException>(() => new ReplicaIdentity(Options.Create(new CoordinatorOptions { DataDir = _dir, ReplicaId = id })));

        // Assert
        Assert.Contains(id, ex.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
