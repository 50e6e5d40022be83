using Akd.Core.Manifest;

namespace Akd.Coordinator.Tests.Deployments;

public sealed class TargetResolverTests
{
    [Fact(Timeout = 10_000)]
    public async Task ResolveAsync_SelectorOverOnlineAndDroppedAgents_OnlineAsConnectedAndKnownOfflineInNameOrder()
    {
        // Arrange: two web agents online, two known ones that dropped, and agents the selector does not name.
        using var h = new CoordinatorHarness();
        await h.ConnectAsync("web-3", "role=web", CancellationToken.None);
        await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        (await h.ConnectAsync("web-4", "role=web", CancellationToken.None)).Drop();
        (await h.ConnectAsync("web-2", "role=web", CancellationToken.None)).Drop();
        await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        (await h.ConnectAsync("db-1", "role=db", CancellationToken.None)).Drop();

        // Act
        var targets = await h.Targets.ResolveAsync(LabelSelector.Parse("role=web"), CancellationToken.None);

        // Assert
        Assert.Equal(["web-1", "web-3"], targets.Online.Order(StringComparer.Ordinal));
        Assert.Equal(["web-2", "web-4"], targets.Offline);
    }

    [Fact(Timeout = 10_000)]
    public async Task ResolveAsync_SelectorNamesNoKnownAgent_BothListsEmpty()
    {
        // Arrange
        using var h = new CoordinatorHarness();
        await h.ConnectAsync("web-1", "role=web", CancellationToken.None);

        // Act
        var targets = await h.Targets.ResolveAsync(LabelSelector.Parse("role=web,env=production"), CancellationToken.None);

        // Assert
        Assert.Empty(targets.Online);
        Assert.Empty(targets.Offline);
    }
}
