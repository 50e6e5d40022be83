using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;

namespace Akd.Coordinator.Tests.Deployments;

public sealed class DeploymentRunnerTests
{
    [Fact(Timeout = 10_000)]
    public async Task RunAsync_BuildFails_EndsFailedQuotingTheBuildAndTouchesNoTarget()
    {
        // Arrange
        using var h = new CoordinatorHarness();
        var builder = await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        var web = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var plan = await h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None);
        await h.Runner.CreateAsync(plan, CancellationToken.None);

        // Act
        var run = h.Runner.RunAsync(plan, new DeploymentControl(), CancellationToken.None);
        var build = await builder.ReceiveStepAsync(CancellationToken.None);
        builder.Answer(new StepResult { StepId = build.StepId, Ok = false, Error = "mix compile failed (exit 1): undefined function foo/0" });
        await run;

        // Assert
        var d = await h.GetAsync(plan.Record.Id, CancellationToken.None);
        Assert.Equal(DeploymentState.Failed, d.State);
        Assert.Equal("build on build-1 failed: mix compile failed (exit 1): undefined function foo/0", d.Error);
        Assert.Equal(StepState.Failed, CoordinatorHarness.Row(d, "build-1", StepKind.Build).State);
        var activate = CoordinatorHarness.Row(d, "web-1", StepKind.Activate);
        Assert.Equal(StepState.Skipped, activate.State);
        Assert.StartsWith("not reached: the build failed", activate.Message);
        Assert.Empty(web.Pending());
        Assert.Equal("", d.ReleaseId);
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_CancelWhileBuilding_EndsCancelledAtOnceAndStopsTheBuild()
    {
        // Arrange: a build that never ends by itself.
        using var h = new CoordinatorHarness();
        var builder = await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        var web = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var plan = await h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None);
        await h.Runner.CreateAsync(plan, CancellationToken.None);
        var control = new DeploymentControl();
        var run = h.Runner.RunAsync(plan, control, CancellationToken.None);
        var build = await builder.ReceiveStepAsync(CancellationToken.None);

        // Act: the clock never moves, so only the cancel can end the run.
        control.RequestCancel("bob@laptop");
        await run;

        // Assert
        var d = await h.GetAsync(plan.Record.Id, CancellationToken.None);
        Assert.Equal(DeploymentState.Cancelled, d.State);
        Assert.Equal("cancelled by bob@laptop during the build; no host was touched", d.Error);
        Assert.Equal(StepState.Failed, CoordinatorHarness.Row(d, "build-1", StepKind.Build).State);
        Assert.Equal(StepState.Skipped, CoordinatorHarness.Row(d, "web-1", StepKind.Activate).State);
        var stop = Assert.Single(builder.Pending());
        Assert.Equal(new CancelStep { StepId = build.StepId, Reason = "cancelled" }, stop.CancelStep);
        Assert.Empty(web.Pending());
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_BuildThenOneHostUnhealthy_StopsTheRolloutAndRecordsTheHostBackOnItsPreviousRelease()
    {
        // Arrange: two hosts one at a time; the first refuses the release and puts its previous one back.
        using var h = new CoordinatorHarness();
        var builder = await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        var web1 = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var web2 = await h.ConnectAsync("web-2", "role=web", CancellationToken.None);
        var plan = await h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None);
        await h.Runner.CreateAsync(plan, CancellationToken.None);

        // Act
        var run = h.Runner.RunAsync(plan, new DeploymentControl(), CancellationToken.None);
        var build = await builder.ReceiveStepAsync(CancellationToken.None);
        await h.UploadedInStepAsync("build-1", build.StepId, new string('a', 64), CancellationToken.None);
        builder.Answer(new StepResult
        {
            StepId = build.StepId, Ok = true,
            Build = new BuildOutput { App = "hello", Version = "0.2.0", Artifact = new ArtifactRef { Sha256 = new string('a', 64), Size = 10 } },
        });
        var activate = await web1.ReceiveStepAsync(CancellationToken.None);
        web1.Answer(new StepResult
        {
            StepId = activate.StepId, Ok = false, Error = "health check failed",
            Activate = new ActivateOutput { ReleaseId = activate.Activate.ReleaseId, RolledBack = true, PreviousReleaseId = "0.1.0-20260101000000" },
        });
        await run;

        // Assert
        var d = await h.GetAsync(plan.Record.Id, CancellationToken.None);
        Assert.Equal(DeploymentState.Failed, d.State);
        Assert.StartsWith("0.2.0-", activate.Activate.ReleaseId);
        var row = CoordinatorHarness.Row(d, "web-1", StepKind.Activate);
        Assert.Equal((StepState.RolledBack, "0.1.0-20260101000000"), (row.State, row.ReleaseId));
        Assert.Equal(StepState.Skipped, CoordinatorHarness.Row(d, "web-2", StepKind.Activate).State);
        Assert.Empty(web2.Pending());
    }

    [Fact(Timeout = 10_000)]
    public async Task RunAsync_HostsAnswer_TheRunnerAcknowledgesEachResultByItsStep()
    {
        // Arrange: the agents keep each result on disk until acknowledged, and a deployment's results are
        // acknowledged by the runner after it records them (the stream's reader no longer does it on receipt).
        using var h = new CoordinatorHarness();
        var builder = await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        var web = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var plan = await h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None);
        await h.Runner.CreateAsync(plan, CancellationToken.None);
        var run = h.Runner.RunAsync(plan, new DeploymentControl(), CancellationToken.None);
        var build = await builder.ReceiveStepAsync(CancellationToken.None);

        // Act: the build agent uploads its release, answers and waits for its acknowledgement.
        await h.UploadedInStepAsync("build-1", build.StepId, new string('a', 64), CancellationToken.None);
        builder.Answer(new StepResult
        {
            StepId = build.StepId, DeploymentId = plan.Record.Id, Ok = true,
            Build = new BuildOutput { App = "hello", Version = "0.2.0", Artifact = new ArtifactRef { Sha256 = new string('a', 64), Size = 10 } },
        });
        var buildAck = await builder.ReceiveAsync(CancellationToken.None);
        var buildRow = CoordinatorHarness.Row(await h.GetAsync(plan.Record.Id, CancellationToken.None), "build-1", StepKind.Build);
        var activate = await web.ReceiveStepAsync(CancellationToken.None);
        web.Answer(new StepResult
        {
            StepId = activate.StepId, DeploymentId = plan.Record.Id, Ok = true,
            Activate = new ActivateOutput { ReleaseId = activate.Activate.ReleaseId },
        });
        var activateAck = await web.ReceiveAsync(CancellationToken.None);
        var activateRow = CoordinatorHarness.Row(await h.GetAsync(plan.Record.Id, CancellationToken.None), "web-1", StepKind.Activate);
        await run;

        // Assert: each acknowledgement names its step; the rows are final.
        Assert.Equal(build.StepId, buildAck.ResultAck?.StepId);
        Assert.Equal(StepState.Succeeded, buildRow.State);
        Assert.Equal(activate.StepId, activateAck.ResultAck?.StepId);
        Assert.Equal(StepState.Succeeded, activateRow.State);
    }

    [Theory(Timeout = 10_000)]
    [InlineData("an operator")]
    [InlineData("an earlier step")]
    [InlineData("another agent")]
    public async Task RunAsync_BuildNamesAReleaseItDidNotUploadInThatStep_FailsTheBuildAndDeliversNothing(string uploader)
    {
        // Arrange: the release the build names was stored, but not by this build agent within this step.
        using var h = new CoordinatorHarness();
        var builder = await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        var web = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var plan = await h.PlanAsync(CoordinatorHarness.Manifest, CancellationToken.None);
        await h.Runner.CreateAsync(plan, CancellationToken.None);
        var sha = await h.UploadAsync("a release built elsewhere", CancellationToken.None);

        // Act
        var run = h.Runner.RunAsync(plan, new DeploymentControl(), CancellationToken.None);
        var build = await builder.ReceiveStepAsync(CancellationToken.None);
        switch (uploader)
        {
            case "an operator":
                await h.Uploads.RecordAsync(sha, "release", "token 'ci' (deployer)", "", CancellationToken.None);
                break;
            case "an earlier step":
                await h.UploadedInStepAsync("build-1", "an-earlier-step", sha, CancellationToken.None);
                break;
            default:
                await h.UploadedInStepAsync("build-2", build.StepId, sha, CancellationToken.None);
                break;
        }

        builder.Answer(new StepResult
        {
            StepId = build.StepId, DeploymentId = plan.Record.Id, Ok = true,
            Build = new BuildOutput { App = "hello", Version = "0.2.0", Artifact = new ArtifactRef { Sha256 = sha, Size = 24 } },
        });
        await run;

        // Assert
        var d = await h.GetAsync(plan.Record.Id, CancellationToken.None);
        Assert.Equal(DeploymentState.Failed, d.State);
        Assert.Equal($"build on build-1 failed: the build's result names release {sha[..12]}, which build-1 did not upload in this build step; it is not delivered", d.Error);
        Assert.Equal(StepState.Failed, CoordinatorHarness.Row(d, "build-1", StepKind.Build).State);
        Assert.Equal(StepState.Skipped, CoordinatorHarness.Row(d, "web-1", StepKind.Activate).State);
        Assert.Empty(web.Pending());
        Assert.Equal("", d.ArtifactSha256);
    }
}
