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
        var id = await NewDeploymentAsync(h, "web-1", StepState.Running);
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
        var row = CoordinatorHarness.Row(await h.GetAsync(id, CancellationToken.None), "web-1", StepKind.Activate);
        Assert.Equal(StepState.Succeeded, row.State);
        Assert.Equal("0.2.0-r2", row.ReleaseId);
        Assert.Contains("reported after the coordinator lost the step", row.Message);
        Assert.Equal([id], recorded);
        var events = await h.Events.ReadAsync(id, 0, CancellationToken.None);
        Assert.Single(events, e => e.Kind == EventKind.Step && e.Host == "web-1" && e.StepState == StepState.Succeeded);
    }

    [Fact(Timeout = 10_000)]
    public async Task RecordAsync_ResultForAStepAlreadyDecided_ChangesNothing()
    {
        // Arrange: the coordinator already recorded web-1's step (failed, state unknown) and moved on.
        using var h = new CoordinatorHarness();
        var id = await NewDeploymentAsync(h, "web-1", StepState.Failed);

        // Act
        await h.LateResults.RecordAsync("web-1", new StepResult { StepId = "s1", DeploymentId = id, Ok = true }, CancellationToken.None);
        await h.LateResults.RecordAsync("web-2", new StepResult { StepId = "s2", DeploymentId = id, Ok = true }, CancellationToken.None);
        await h.LateResults.RecordAsync("web-1", new StepResult { StepId = "s3", DeploymentId = "no-such-deployment", Ok = true }, CancellationToken.None);

        // Assert
        var d = await h.GetAsync(id, CancellationToken.None);
        Assert.Equal(StepState.Failed, CoordinatorHarness.Row(d, "web-1", StepKind.Activate).State);
        Assert.Single(d.Hosts);
    }

    [Fact(Timeout = 10_000)]
    public async Task RecordAsync_ResentResultOfAnEarlierStepWhileTheHostsNextStepRuns_ChangesNothing()
    {
        // Arrange: web-1 runs a step of the deployment the coordinator waits for; an older result comes again.
        using var h = new CoordinatorHarness();
        var id = await NewDeploymentAsync(h, "web-1", StepState.Running);
        using var stop = new CancellationTokenSource();
        var live = h.Registry.RunStepAsync("web-1", new StepCommand { StepId = "s2", DeploymentId = id, DeadlineSeconds = 600 }, _ => { }, stop.Token);

        // Act
        await h.LateResults.RecordAsync("web-1", new StepResult { StepId = "s1", DeploymentId = id, Ok = false, Error = "old" }, CancellationToken.None);

        // Assert
        Assert.Equal(StepState.Running, CoordinatorHarness.Row(await h.GetAsync(id, CancellationToken.None), "web-1", StepKind.Activate).State);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => live);
    }

    [Fact(Timeout = 10_000)]
    public async Task RecordAsync_ResultAfterTheDeploymentEndedWithTheHostUnknown_CorrectsTheRowAndSaysALateResultArrived()
    {
        // Arrange: web-1 was lost during its step (no answer within the grace), and the deployment ended failed.
        using var h = new CoordinatorHarness();
        var id = await NewDeploymentAsync(h, "web-1", StepState.Running);
        await h.Journal.RecordHostAsync(id, "web-1", StepKind.Activate, StepState.Failed, "",
            "agent web-1 disconnected during the step and did not come back within 20s", CancellationToken.None, stateUnknown: true);
        await h.Journal.FinishAsync(id, DeploymentState.Failed, "web-1: agent web-1 disconnected", CancellationToken.None);
        var ended = CoordinatorHarness.Row(await h.GetAsync(id, CancellationToken.None), "web-1", StepKind.Activate).FinishedAt;
        await Task.Delay(10);
        var result = new StepResult
        {
            StepId = "s1", DeploymentId = id, Ok = true, Activate = new ActivateOutput { ReleaseId = "0.2.0-r2", PreviousReleaseId = "0.1.0-r1" },
        };

        // Act: the agent comes back and resends the result it kept, twice.
        await h.LateResults.RecordAsync("web-1", result, CancellationToken.None);
        await h.LateResults.RecordAsync("web-1", result, CancellationToken.None);

        // Assert: the row says what the host's revisions.log says; the deployment's own end is kept.
        var d = await h.GetAsync(id, CancellationToken.None);
        var row = CoordinatorHarness.Row(d, "web-1", StepKind.Activate);
        Assert.Equal((StepState.Succeeded, "0.2.0-r2"), (row.State, row.ReleaseId));
        Assert.Equal(ended, row.FinishedAt); // history's order: it does not pass the host's later deployments
        Assert.Equal(DeploymentState.Failed, d.State);
        var notes = (await h.Events.ReadAsync(id, 0, CancellationToken.None)).Where(e => e.Message.StartsWith("a late result", StringComparison.Ordinal)).ToList();
        Assert.Equal("a late result from web-1 arrived after the deployment ended failed: its activate step succeeded, on 0.2.0-r2 " +
            "(it had been recorded failed: agent web-1 disconnected during the step and did not come back within 20s (the host's state is unknown))",
            Assert.Single(notes).Message);
    }

    [Fact(Timeout = 10_000)]
    public async Task RecordAsync_HostAnsweredWithAFailureBefore_ChangesNothing()
    {
        // Arrange: web-1's own result (a failure) was recorded; it is resent after a reconnect.
        using var h = new CoordinatorHarness();
        var id = await NewDeploymentAsync(h, "web-1", StepState.Running);
        await h.Journal.RecordHostAsync(id, "web-1", StepKind.Activate, StepState.Failed, "0.1.0-r1", "health check failed", CancellationToken.None);

        // Act
        await h.LateResults.RecordAsync("web-1", new StepResult { StepId = "s1", DeploymentId = id, Ok = true, Activate = new ActivateOutput { ReleaseId = "0.2.0-r2" } },
            CancellationToken.None);

        // Assert
        var row = CoordinatorHarness.Row(await h.GetAsync(id, CancellationToken.None), "web-1", StepKind.Activate);
        Assert.Equal((StepState.Failed, "health check failed"), (row.State, row.Message));
    }

    private static async Task<string> NewDeploymentAsync(CoordinatorHarness h, string host, StepState state)
    {
        await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        await h.ConnectAsync(host, "role=web", CancellationToken.None);
        var plan = await h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None);
        await h.Runner.CreateAsync(plan, CancellationToken.None);
        await h.Deployments.SetHostStepAsync(plan.Record.Id, host, StepKind.Activate, state, "", "", CancellationToken.None);
        return plan.Record.Id;
    }
}
