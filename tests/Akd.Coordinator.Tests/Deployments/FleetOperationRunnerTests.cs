using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;

namespace Akd.Coordinator.Tests.Deployments;

public sealed class FleetOperationRunnerTests
{
    [Fact(Timeout = 10_000)]
    public async Task RunAsync_RestartFailsOnTheFirstHost_StopsAndLeavesTheRestUntouched()
    {
        // Arrange: restart on two hosts, one at a time, max_failures 0.
        using var h = new CoordinatorHarness();
        var web1 = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var web2 = await h.ConnectAsync("web-2", "role=web", CancellationToken.None);
        var plan = Plan(h, DeploymentKind.Restart, ["web-1", "web-2"]);
        await h.Operations.CreateAsync(plan, CancellationToken.None);

        // Act
        var run = h.Operations.RunAsync(plan, new DeploymentControl(), CancellationToken.None);
        var step = await web1.ReceiveStepAsync(CancellationToken.None);
        web1.Answer(new StepResult { StepId = step.StepId, Ok = false, Error = "the app did not come up" });
        await run;

        // Assert
        Assert.Equal(new AppControlStep { Action = DeploymentKind.Restart }, step.Control);
        var d = await h.GetAsync(plan.Record.Id, CancellationToken.None);
        Assert.Equal(DeploymentState.Failed, d.State);
        Assert.StartsWith("web-1: the app did not come up", d.Error);
        Assert.Equal(StepState.Failed, CoordinatorHarness.Row(d, "web-1", StepKind.Restart).State);
        Assert.Equal(StepState.Skipped, CoordinatorHarness.Row(d, "web-2", StepKind.Restart).State);
        Assert.Empty(web2.Pending());
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_RollbackOnEveryHost_SucceedsAndRecordsTheReleaseTheyWentBackTo()
    {
        // Arrange
        using var h = new CoordinatorHarness();
        var web1 = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var plan = Plan(h, DeploymentKind.Rollback, ["web-1"]);
        await h.Operations.CreateAsync(plan, CancellationToken.None);

        // Act
        var run = h.Operations.RunAsync(plan, new DeploymentControl(), CancellationToken.None);
        var step = await web1.ReceiveStepAsync(CancellationToken.None);
        web1.Answer(new StepResult { StepId = step.StepId, Ok = true, Activate = new ActivateOutput { ReleaseId = "0.1.0-20260101000000" } });
        await run;

        // Assert
        var d = await h.GetAsync(plan.Record.Id, CancellationToken.None);
        Assert.Equal(DeploymentState.Succeeded, d.State);
        Assert.Equal("0.1.0-20260101000000", d.ReleaseId);
        var row = CoordinatorHarness.Row(d, "web-1", StepKind.Rollback);
        Assert.Equal((StepState.RolledBack, "0.1.0-20260101000000"), (row.State, row.ReleaseId));
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_CoordinatorStopsDuringAStep_LeavesItInterruptedNotFailed()
    {
        // Arrange
        using var h = new CoordinatorHarness();
        var web1 = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var plan = Plan(h, DeploymentKind.Stop, ["web-1"]);
        await h.Operations.CreateAsync(plan, CancellationToken.None);
        using var stopping = new CancellationTokenSource();

        // Act: the coordinator's stop cancels the runner while web-1 stops the app.
        var run = h.Operations.RunAsync(plan, new DeploymentControl(), stopping.Token);
        await web1.ReceiveStepAsync(CancellationToken.None);
        await stopping.CancelAsync();
        await run;

        // Assert: nothing is decided; the next start reconciles it.
        var d = await h.GetAsync(plan.Record.Id, CancellationToken.None);
        Assert.Equal(DeploymentState.Interrupted, d.State);
        Assert.Null(d.FinishedAt);
        Assert.Equal(StepState.Running, CoordinatorHarness.Row(d, "web-1", StepKind.Stop).State);
    }

    private static OperationPlan Plan(CoordinatorHarness h, DeploymentKind kind, IReadOnlyList<string> targets)
    {
        var record = new Deployment
        {
            Id = $"d-op-{kind.Text()}", Kind = kind, App = "hello", Strategy = "remote-build", State = DeploymentState.Pending, Actor = "alice@box",
            CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(h.Clock.GetUtcNow()), ManifestSha256 = "00",
        };
        return new OperationPlan(record, CoordinatorHarness.Parse(CoordinatorHarness.Manifest), CoordinatorHarness.Manifest, "", targets);
    }
}
