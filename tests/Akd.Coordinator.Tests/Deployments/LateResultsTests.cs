using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;

namespace Akd.Coordinator.Tests.Deployments;

public sealed class LateResultsTests
{
    [Fact(Timeout = 10_000)]
    public async Task RecordAsync_ResultForAStepStillOpen_RecordsTheHostsTrueStateOnce()
    {
        // Arrange: a deployment whose step on web-1 was running when nobody waited for it any more.
        using var h = new CoordinatorHarness();
        var id = await NewDeploymentAsync(h, "web-1", StepStates.Running);
        var recorded = new List<string>();
        h.LateResults.Recorded += recorded.Add;
        var result = new StepResult
        {
            StepId = "s1", DeploymentId = id, Ok = true, Activate = new ActivateOutput { ReleaseId = "0.2.0-r2", PreviousReleaseId = "0.1.0-r1" },
        };

        // Act: delivered twice, as a resend after a reconnect does.
        await h.LateResults.RecordAsync("web-1", result, CancellationToken.None);
        await h.LateResults.RecordAsync("web-1", result, CancellationToken.None);

        // Assert
        var row = CoordinatorHarness.Row(await h.GetAsync(id, CancellationToken.None), "web-1", "activate");
        Assert.Equal(StepStates.Succeeded, row.State);
        Assert.Equal("0.2.0-r2", row.ReleaseId);
        Assert.Contains("reported after the coordinator lost the step", row.Message);
        Assert.Equal([id], recorded);
        var events = await h.Events.ReadAsync(id, 0, CancellationToken.None);
        Assert.Single(events, e => e.Kind == EventKind.Step && e.Host == "web-1" && e.State == StepStates.Succeeded);
    }

    [Fact(Timeout = 10_000)]
    public async Task RecordAsync_ResultForAStepAlreadyDecided_ChangesNothing()
    {
        // Arrange: the coordinator already recorded web-1's step (failed, state unknown) and moved on.
        using var h = new CoordinatorHarness();
        var id = await NewDeploymentAsync(h, "web-1", StepStates.Failed);

        // Act
        await h.LateResults.RecordAsync("web-1", new StepResult { StepId = "s1", DeploymentId = id, Ok = true }, CancellationToken.None);
        await h.LateResults.RecordAsync("web-2", new StepResult { StepId = "s2", DeploymentId = id, Ok = true }, CancellationToken.None);
        await h.LateResults.RecordAsync("web-1", new StepResult { StepId = "s3", DeploymentId = "no-such-deployment", Ok = true }, CancellationToken.None);

        // Assert
        var d = await h.GetAsync(id, CancellationToken.None);
        Assert.Equal(StepStates.Failed, CoordinatorHarness.Row(d, "web-1", "activate").State);
        Assert.Single(d.Hosts);
    }

    [Fact(Timeout = 10_000)]
    public async Task RecordAsync_ResentResultOfAnEarlierStepWhileTheHostsNextStepRuns_ChangesNothing()
    {
        // Arrange: web-1 runs a step of the deployment the coordinator waits for; an older result comes again.
        using var h = new CoordinatorHarness();
        var id = await NewDeploymentAsync(h, "web-1", StepStates.Running);
        using var stop = new CancellationTokenSource();
        var live = h.Registry.RunStepAsync("web-1", new StepCommand { StepId = "s2", DeploymentId = id, DeadlineSeconds = 600 }, _ => { }, stop.Token);

        // Act
        await h.LateResults.RecordAsync("web-1", new StepResult { StepId = "s1", DeploymentId = id, Ok = false, Error = "old" }, CancellationToken.None);

        // Assert
        Assert.Equal(StepStates.Running, CoordinatorHarness.Row(await h.GetAsync(id, CancellationToken.None), "web-1", "activate").State);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => live);
    }

    private static async Task<string> NewDeploymentAsync(CoordinatorHarness h, string host, string state)
    {
        await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        await h.ConnectAsync(host, "role=web", CancellationToken.None);
        var plan = await h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None);
        await h.Runner.CreateAsync(plan, CancellationToken.None);
        await h.Deployments.SetHostStepAsync(plan.Record.Id, host, StepKinds.Activate, state, "", "", CancellationToken.None);
        return plan.Record.Id;
    }
}
