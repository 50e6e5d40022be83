using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Errors;

namespace Akd.Coordinator.Tests.Deployments;

public sealed class DeploymentPlannerTests
{
    [Fact(Timeout = 10_000)]
    public async Task PlanAsync_AllOnline_PicksTheBuildAgentAndEveryMatchingTarget()
    {
        // Arrange
        using var h = new CoordinatorHarness();
        await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        await h.ConnectAsync("web-2", "role=web", CancellationToken.None);
        await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        await h.ConnectAsync("db-1", "role=db", CancellationToken.None);

        // Act
        var plan = await h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None);

        // Assert
        Assert.Equal("build-1", plan.BuildAgent);
        Assert.Equal(["web-1", "web-2"], plan.Targets);
        Assert.Equal((DeploymentState.Pending, "remote-build", "alice@box"), (plan.Record.State, plan.Record.Strategy, plan.Record.Actor));
        Assert.Equal(h.Clock.GetUtcNow(), plan.Record.CreatedAt.ToDateTimeOffset());
    }

    [Fact(Timeout = 10_000)]
    public async Task PlanAsync_KnownTargetOffline_RefusesNamingItUnlessSkipOffline()
    {
        // Arrange: web-2 connected once and dropped; the store still knows it.
        using var h = new CoordinatorHarness();
        await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var gone = await h.ConnectAsync("web-2", "role=web", CancellationToken.None);
        gone.Drop();

        // Act
        var refused = await Assert.ThrowsAsync<PreconditionFailedException>(() => h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None));
        var skipping = await h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None, skipOffline: true);

        // Assert
        Assert.Equal("target agent(s) offline: web-2; no host was touched (pass --skip-offline to deploy to the others)", refused.Message);
        Assert.Equal(["web-1"], skipping.Targets);
        Assert.Equal(["web-2"], skipping.Record.SkippedOffline);
    }

    [Fact(Timeout = 10_000)]
    public async Task PlanAsync_NoBuildAgentOnline_RefusesNamingTheKnownAgents()
    {
        // Arrange
        using var h = new CoordinatorHarness();
        await h.ConnectAsync("web-1", "role=web", CancellationToken.None);

        // Act
        var refused = await Assert.ThrowsAsync<PreconditionFailedException>(() => h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None));

        // Assert
        Assert.Equal("no online agent matches build.on role=build (known agents: web-1 [role=web] online)", refused.Message);
    }

    [Fact(Timeout = 10_000)]
    public async Task PlanAsync_SourceArchiveNeverUploaded_RefusesBeforeAnythingRuns()
    {
        // Arrange
        using var h = new CoordinatorHarness();
        await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var missing = new string('b', 64);

        // Act
        var refused = await Assert.ThrowsAsync<PreconditionFailedException>(() => h.Planner.PlanAsync(new Contracts.V1.DeployRequest
        {
            ManifestYaml = CoordinatorHarness.Manifest,
            Source = new Contracts.V1.SourceSpec { Archive = new Contracts.V1.ArtifactRef { Sha256 = missing, Size = 1 } },
        }, CancellationToken.None));

        // Assert
        Assert.Equal($"the source archive {missing} was not uploaded to this coordinator", refused.Message);
    }

    [Fact(Timeout = 10_000)]
    public async Task CheckAsync_NoSourceYet_AnswersWhoWouldBuildAndDeployAndStartsNothing()
    {
        // Arrange: what akdctl asks before it uploads: the request without its source.
        using var h = new CoordinatorHarness();
        await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        await h.ConnectAsync("web-1", "role=web", CancellationToken.None);

        // Act
        var check = await h.Planner.CheckAsync(new DeployRequest { ManifestYaml = CoordinatorHarness.Manifest }, localBuild: false, CancellationToken.None);

        // Assert
        Assert.Equal("build-1", check.BuildAgent);
        Assert.Equal(["web-1"], check.Targets);
        Assert.Empty(await h.Deployments.ListAsync(null, 10, CancellationToken.None));
    }

    [Fact(Timeout = 10_000)]
    public async Task CheckAsync_NoBuildAgent_RefusedUnlessAkdctlBuildsLocally()
    {
        // Arrange
        using var h = new CoordinatorHarness();
        await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var request = new DeployRequest { ManifestYaml = CoordinatorHarness.Manifest };

        // Act
        var refused = await Assert.ThrowsAsync<PreconditionFailedException>(() => h.Planner.CheckAsync(request, localBuild: false, CancellationToken.None));
        var local = await h.Planner.CheckAsync(request, localBuild: true, CancellationToken.None);

        // Assert: Deploy's own refusal, and a local build needs no build agent.
        Assert.Equal("no online agent matches build.on role=build (known agents: web-1 [role=web] online)", refused.Message);
        Assert.Equal("", local.BuildAgent);
        Assert.Equal(["web-1"], local.Targets);
    }

    [Fact(Timeout = 10_000)]
    public async Task CheckAsync_TargetOffline_RefusedAsDeployWouldBe()
    {
        // Arrange
        using var h = new CoordinatorHarness();
        await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        (await h.ConnectAsync("web-2", "role=web", CancellationToken.None)).Drop();

        // Act
        var refused = await Assert.ThrowsAsync<PreconditionFailedException>(
            () => h.Planner.CheckAsync(new DeployRequest { ManifestYaml = CoordinatorHarness.Manifest }, localBuild: false, CancellationToken.None));

        // Assert
        Assert.Equal("target agent(s) offline: web-2; no host was touched (pass --skip-offline to deploy to the others)", refused.Message);
    }

    [Fact(Timeout = 10_000)]
    public async Task ResolveAsync_SomeTargetsOffline_SplitsOnlineFromKnownOffline()
    {
        // Arrange: the target resolver behind fleet operations.
        using var h = new CoordinatorHarness();
        await h.ConnectAsync("web-2", "role=web", CancellationToken.None);
        (await h.ConnectAsync("web-3", "role=web", CancellationToken.None)).Drop();
        (await h.ConnectAsync("web-1", "role=web", CancellationToken.None)).Drop();
        await h.ConnectAsync("db-1", "role=db", CancellationToken.None);

        // Act
        var resolved = await h.Targets.ResolveAsync(CoordinatorHarness.Parse(CoordinatorHarness.Manifest).Deploy.To, CancellationToken.None);

        // Assert
        Assert.Equal(["web-2"], resolved.Online);
        Assert.Equal(["web-1", "web-3"], resolved.Offline);
    }
}
