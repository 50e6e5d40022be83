using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Tests.Agents;

namespace Akd.Coordinator.Tests.Deployments;

public sealed class DeploymentRecoveryTests
{
    private const string ThreeHosts = """
        app: hello
        build: { on: { role: build } }
        deploy:
          to: { role: web }
          rolling: { batch: 1 }
        """;

    [Fact(Timeout = 20_000)]
    public async Task StartAsync_InterruptedAfterTheFirstHostsStep_ResumesOnTheOtherHostsOnlyAndSucceeds()
    {
        // Arrange: built, web-1's step running when the coordinator died; web-1 resends its kept result.
        using var h = new CoordinatorHarness();
        var (id, web) = await InterruptedDeploymentAsync(h, built: true);
        await h.LateResults.RecordAsync("web-1", Ok(id, "s-old"), CancellationToken.None);

        // Act: the restarted coordinator reconciles; web-2 and web-3 get their steps, one batch after the other.
        await h.Recovery().StartAsync(CancellationToken.None);
        foreach (var host in new[] { web[1], web[2] })
        {
            var step = await host.ReceiveStepAsync(CancellationToken.None);
            Assert.Equal("0.2.0-r1", step.Activate.ReleaseId);
            host.Answer(Ok(id, step.StepId));
        }

        var d = await WaitFinishedAsync(h, id);

        // Assert: web-1 never got a second step; every host is on the release, as its own log would say.
        Assert.Empty(web[0].Pending());
        Assert.Equal(DeploymentState.Succeeded, d.State);
        Assert.All(d.Hosts.Where(r => r.Step == StepKind.Activate), r => Assert.Equal((StepState.Succeeded, "0.2.0-r1"), (r.State, r.ReleaseId)));
        Assert.Contains("reported after the coordinator lost the step", CoordinatorHarness.Row(d, "web-1", StepKind.Activate).Message);
    }

    [Fact(Timeout = 20_000)]
    public async Task StartAsync_InterruptedDuringTheBuild_EndsFailedSayingWhyWithHostsUntouched()
    {
        // Arrange: the build never finished and the window is over at once.
        using var h = new CoordinatorHarness();
        h.Options.ReconcileWindow = TimeSpan.Zero;
        var (id, web) = await InterruptedDeploymentAsync(h, built: false);

        // Act
        await h.Recovery().StartAsync(CancellationToken.None);
        var d = await WaitFinishedAsync(h, id);

        // Assert
        Assert.Equal(DeploymentState.Failed, d.State);
        Assert.Equal("interrupted by a coordinator restart and not resumed: the build had not finished, so there is no release to deliver", d.Error);
        Assert.Equal(StepState.Failed, CoordinatorHarness.Row(d, "build-1", StepKind.Build).State);
        Assert.All(d.Hosts.Where(r => r.Step == StepKind.Activate), r => Assert.Equal(StepState.Skipped, r.State));
        Assert.All(web, w => Assert.Empty(w.Pending()));
    }

    [Fact(Timeout = 20_000)]
    public async Task StartAsync_HostNeverReportsItsStep_CountsAsAFailureStoppingTheRolloutWithThatHostUnknownAndTheRestUntouched()
    {
        // Arrange: web-1's step was running; no result comes and the window is over at once (max_failures 0).
        using var h = new CoordinatorHarness();
        h.Options.ReconcileWindow = TimeSpan.Zero;
        var (id, web) = await InterruptedDeploymentAsync(h, built: true);

        // Act
        await h.Recovery().StartAsync(CancellationToken.None);
        var d = await WaitFinishedAsync(h, id);

        // Assert: failed as a host that never answered fails an uninterrupted rollout.
        Assert.Equal(DeploymentState.Failed, d.State);
        Assert.StartsWith("web-1: no result came after the coordinator restarted (the host's state is unknown)", d.Error);
        Assert.Contains("2 hosts not reached", d.Error);
        Assert.True(HostUnknown.Is(CoordinatorHarness.Row(d, "web-1", StepKind.Activate)));
        Assert.Equal(StepState.Skipped, CoordinatorHarness.Row(d, "web-2", StepKind.Activate).State);
        Assert.All(web, w => Assert.Empty(w.Pending()));
    }

    [Fact(Timeout = 20_000)]
    public async Task StartAsync_HostNeverReportsItsStepWithinMaxFailures_ResumesOnTheOtherHostsAndSucceedsWithThatHostTolerated()
    {
        // Arrange: as above, with max_failures 1.
        using var h = new CoordinatorHarness();
        h.Options.ReconcileWindow = TimeSpan.Zero;
        var (id, web) = await InterruptedDeploymentAsync(h, built: true, Tolerant);

        // Act
        await h.Recovery().StartAsync(CancellationToken.None);
        foreach (var host in new[] { web[1], web[2] })
        {
            var step = await host.ReceiveStepAsync(CancellationToken.None);
            host.Answer(Ok(id, step.StepId));
        }

        var d = await WaitFinishedAsync(h, id);

        // Assert: web-1 is not sent its step again; it stays unknown until its own result corrects it.
        Assert.Equal(DeploymentState.Succeeded, d.State);
        Assert.Empty(web[0].Pending());
        Assert.True(HostUnknown.Is(CoordinatorHarness.Row(d, "web-1", StepKind.Activate)));
        Assert.Equal(StepState.Succeeded, CoordinatorHarness.Row(d, "web-3", StepKind.Activate).State);
        var finished = (await h.Events.ReadAsync(id, 0, CancellationToken.None)).Last(e => e.Kind == EventKind.Deployment);
        Assert.Equal("0.2.0-r1 is live; tolerated failures: web-1: no result came after the coordinator restarted (the host's state is unknown)", finished.Message);
    }

    [Fact(Timeout = 20_000)]
    public async Task StartAsync_HostFailedBeforeTheRestartWithRollbackAll_StopsAndPutsBackTheHostsThatSwitchedAsOneRolloutWould()
    {
        // Arrange: web-1 switched, web-2's step was running and its host rolled back; max_failures 0, rollback: all.
        using var h = new CoordinatorHarness();
        var (id, web) = await InterruptedDeploymentAsync(h, built: true, RollbackAll);
        await h.Deployments.SetHostStepAsync(id, "web-1", StepKind.Activate, StepState.Succeeded, "0.2.0-r1", "healthy", CancellationToken.None);
        await h.Deployments.SetHostStepAsync(id, "web-2", StepKind.Activate, StepState.Running, "0.2.0-r1", "", CancellationToken.None);
        await h.LateResults.RecordAsync("web-2", new StepResult
        {
            StepId = "s-old", DeploymentId = id, Ok = false, Error = "health check failed",
            Activate = new ActivateOutput { ReleaseId = "0.2.0-r1", PreviousReleaseId = "0.1.0-r0", RolledBack = true },
        }, CancellationToken.None);

        // Act: the restarted coordinator reconciles; web-1 is sent back to the release it knows as its previous.
        await h.Recovery().StartAsync(CancellationToken.None);
        var back = await web[0].ReceiveStepAsync(CancellationToken.None);
        web[0].Answer(new StepResult { StepId = back.StepId, DeploymentId = id, Ok = true, Activate = new ActivateOutput { ReleaseId = "0.1.0-r0" } });
        var d = await WaitFinishedAsync(h, id);

        // Assert: failed as the uninterrupted rollout would have, web-3 never touched.
        Assert.Equal("", back.Rollback.ToRelease);
        Assert.Equal(DeploymentState.Failed, d.State);
        Assert.StartsWith("web-2: health check failed", d.Error);
        Assert.Contains("rollback: all put back web-1", d.Error);
        Assert.Equal((StepState.RolledBack, "0.1.0-r0"), (CoordinatorHarness.Row(d, "web-1", StepKind.Rollback).State, CoordinatorHarness.Row(d, "web-1", StepKind.Rollback).ReleaseId));
        Assert.Equal(StepState.Skipped, CoordinatorHarness.Row(d, "web-3", StepKind.Activate).State);
        Assert.Empty(web[1].Pending());
        Assert.Empty(web[2].Pending());
    }

    [Fact(Timeout = 20_000)]
    public async Task StartAsync_FailureWithinMaxFailures_ResumesAndSucceedsWithTheFailureTolerated()
    {
        // Arrange: web-1 failed before the restart; max_failures 1 tolerates it.
        using var h = new CoordinatorHarness();
        var (id, web) = await InterruptedDeploymentAsync(h, built: true, Tolerant);
        await h.Deployments.SetHostStepAsync(id, "web-1", StepKind.Activate, StepState.Failed, "0.2.0-r1", "health check failed", CancellationToken.None);

        // Act
        await h.Recovery().StartAsync(CancellationToken.None);
        foreach (var host in new[] { web[1], web[2] })
        {
            var step = await host.ReceiveStepAsync(CancellationToken.None);
            host.Answer(Ok(id, step.StepId));
        }

        var d = await WaitFinishedAsync(h, id);

        // Assert
        Assert.Equal(DeploymentState.Succeeded, d.State);
        var finished = (await h.Events.ReadAsync(id, 0, CancellationToken.None)).Last(e => e.Kind == EventKind.Deployment);
        Assert.Equal("0.2.0-r1 is live; tolerated failures: web-1: health check failed", finished.Message);
        Assert.Empty(web[0].Pending());
    }

    [Fact(Timeout = 20_000)]
    public async Task StartAsync_InterruptedRestartOfTheFleet_ResumesOnTheHostsNotReachedAndSucceeds()
    {
        // Arrange: a restart of three hosts, one at a time; web-1 had restarted when the coordinator died.
        using var h = new CoordinatorHarness();
        var web = new[]
        {
            await h.ConnectAsync("web-1", "role=web", CancellationToken.None),
            await h.ConnectAsync("web-2", "role=web", CancellationToken.None),
            await h.ConnectAsync("web-3", "role=web", CancellationToken.None),
        };
        var record = new Deployment
        {
            Id = "d-op-restart", Kind = DeploymentKind.Restart, App = "hello", Strategy = "remote-build", State = DeploymentState.Running, Actor = "alice@box",
            CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(h.Clock.GetUtcNow()), ManifestSha256 = "00",
        };
        await h.Operations.CreateAsync(new OperationPlan(record, CoordinatorHarness.Parse(ThreeHosts), ThreeHosts, "", ["web-1", "web-2", "web-3"]), CancellationToken.None);
        await h.Deployments.SetHostStepAsync(record.Id, "web-1", StepKind.Restart, StepState.Succeeded, "0.1.0-r0", "restarted", CancellationToken.None);

        // Act
        await h.Recovery().StartAsync(CancellationToken.None);
        foreach (var host in new[] { web[1], web[2] })
        {
            var step = await host.ReceiveStepAsync(CancellationToken.None);
            Assert.Equal(DeploymentKind.Restart, step.Control.Action);
            host.Answer(new StepResult { StepId = step.StepId, DeploymentId = record.Id, Ok = true, Control = new AppControlOutput { ReleaseId = "0.1.0-r0", Running = true } });
        }

        var d = await WaitFinishedAsync(h, record.Id);

        // Assert
        Assert.Empty(web[0].Pending());
        Assert.Equal(DeploymentState.Succeeded, d.State);
        Assert.All(d.Hosts, r => Assert.Equal((StepState.Succeeded, "0.1.0-r0"), (r.State, r.ReleaseId)));
        Assert.Equal("0.1.0-r0", d.ReleaseId);
    }

    [Fact(Timeout = 20_000)]
    public async Task StartAsync_InterruptedHotUpgradeRollout_RemainingHostsGetTheSameUpgradePlanAsTheFirst()
    {
        // Arrange: deploy.upgrade auto; the build made a relup from 0.1.0; web-1 got its step, then the coordinator stopped.
        using var h = new CoordinatorHarness();
        var builder = await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        var web = new[]
        {
            await h.ConnectAsync("web-1", "role=web", CancellationToken.None),
            await h.ConnectAsync("web-2", "role=web", CancellationToken.None),
            await h.ConnectAsync("web-3", "role=web", CancellationToken.None),
        };
        var plan = await h.PlanAsync(HotUpgrade, CancellationToken.None);
        await h.Runner.CreateAsync(plan, CancellationToken.None);
        var id = plan.Record.Id;
        using var stopping = new CancellationTokenSource();
        var run = h.Runner.RunAsync(plan, new DeploymentControl(), stopping.Token);
        var build = await builder.ReceiveStepAsync(CancellationToken.None);
        var release = await h.UploadAsync("release tarball with a relup", CancellationToken.None);
        await h.UploadedInStepAsync("build-1", build.StepId, release, CancellationToken.None);
        builder.Answer(new StepResult
        {
            StepId = build.StepId, DeploymentId = id, Ok = true,
            Build = new BuildOutput { App = "hello", Version = "0.2.0", Artifact = new ArtifactRef { Sha256 = release, Size = 28 }, Upgrade = new UpgradePlan { RelupFrom = "0.1.0" } },
        });
        var first = await web[0].ReceiveStepAsync(CancellationToken.None);
        await stopping.CancelAsync();
        await run;
        await h.LateResults.RecordAsync("web-1", Ok(id, first.StepId, first.Activate.ReleaseId), CancellationToken.None);

        // Act
        await h.Recovery().StartAsync(CancellationToken.None);
        var rest = new List<StepCommand>();
        foreach (var host in new[] { web[1], web[2] })
        {
            var step = await host.ReceiveStepAsync(CancellationToken.None);
            rest.Add(step);
            host.Answer(Ok(id, step.StepId, step.Activate.ReleaseId));
        }

        var d = await WaitFinishedAsync(h, id);

        // Assert
        Assert.Equal("0.1.0", first.Activate.Upgrade.RelupFrom);
        Assert.All(rest, step => Assert.Equal(first.Activate.Upgrade, step.Activate.Upgrade));
        Assert.All(rest, step => Assert.Equal(first.Activate.ReleaseId, step.Activate.ReleaseId));
        Assert.Equal(DeploymentState.Succeeded, d.State);
    }

    [Fact(Timeout = 20_000)]
    public async Task StartAsync_CancelledBeforeTheRestart_EndsCancelledWithTheBatchInFlightBackAndTheRestUntouched()
    {
        // Arrange: bob cancelled while web-1's step ran; then the coordinator stopped.
        using var h = new CoordinatorHarness();
        var (id, web) = await InterruptedDeploymentAsync(h, built: true);
        await h.Deployments.SetCancelledByAsync(id, "bob@laptop", CancellationToken.None);

        // Act: the restarted coordinator starts; web-1 comes back with the result it kept (it switched).
        await h.Recovery().StartAsync(CancellationToken.None);
        await h.LateResults.RecordAsync("web-1", Ok(id, "s-old"), CancellationToken.None);
        var back = await PollUntilAsync(h, web[0].ReceiveStepAsync(CancellationToken.None));
        web[0].Answer(new StepResult { StepId = back.StepId, DeploymentId = id, Ok = true, Activate = new ActivateOutput { ReleaseId = "0.1.0-r0" } });
        var d = await WaitFinishedAsync(h, id);

        // Assert: as the cancel would have ended it without the restart.
        Assert.Equal(DeploymentState.Cancelled, d.State);
        Assert.Equal("cancelled by bob@laptop; 2 hosts not reached; back on their previous release: web-1", d.Error);
        Assert.Equal((StepState.RolledBack, "0.1.0-r0"), (CoordinatorHarness.Row(d, "web-1", StepKind.Rollback).State, CoordinatorHarness.Row(d, "web-1", StepKind.Rollback).ReleaseId));
        Assert.All(new[] { "web-2", "web-3" }, host => Assert.Equal(StepState.Skipped, CoordinatorHarness.Row(d, host, StepKind.Activate).State));
        Assert.Empty(web[1].Pending());
        Assert.Empty(web[2].Pending());
    }

    [Fact(Timeout = 20_000)]
    public async Task StartAsync_InterruptedSourceDeployFromAnArchive_ResumesWithTheSameArchiveAndReleaseId()
    {
        // Arrange: strategy source; web-1 built and switched to 0.2.0-r1 before the coordinator stopped.
        using var h = new CoordinatorHarness();
        var web = new[]
        {
            await h.ConnectAsync("web-1", "role=web", CancellationToken.None),
            await h.ConnectAsync("web-2", "role=web", CancellationToken.None),
        };
        var plan = await h.PlanAsync(SourceDeploy, CancellationToken.None);
        await h.Runner.CreateAsync(plan, CancellationToken.None);
        var id = plan.Record.Id;
        await h.Deployments.SetBuildAsync(id, "", "0.2.0", "0.2.0-r1", CancellationToken.None);
        await h.Deployments.SetHostStepAsync(id, "web-1", StepKind.Activate, StepState.Succeeded, "0.2.0-r1", "healthy", CancellationToken.None);

        // Act
        await h.Recovery().StartAsync(CancellationToken.None);
        var step = await web[1].ReceiveStepAsync(CancellationToken.None);
        web[1].Answer(Ok(id, step.StepId));
        var d = await WaitFinishedAsync(h, id);

        // Assert: web-2 builds the same uploaded source into the same release id; web-1 is not touched again.
        Assert.Equal(plan.Record.SourceSha256, step.SourceActivate.Source.Archive.Sha256);
        Assert.Equal("0.2.0-r1", step.SourceActivate.ReleaseId);
        Assert.Empty(web[0].Pending());
        Assert.Equal(DeploymentState.Succeeded, d.State);
    }

    private const string SourceDeploy = """
        app: hello
        strategy: source
        deploy:
          to: { role: web }
          rolling: { batch: 1 }
        """;

    private const string HotUpgrade = """
        app: hello
        build: { on: { role: build } }
        deploy:
          to: { role: web }
          upgrade: auto
          rolling: { batch: 1 }
        """;

    private const string RollbackAll = """
        app: hello
        build: { on: { role: build } }
        deploy:
          to: { role: web }
          rolling: { batch: 1, rollback: all }
        """;

    private const string Tolerant = """
        app: hello
        build: { on: { role: build } }
        deploy:
          to: { role: web }
          rolling: { batch: 1, max_failures: 1 }
        """;

    private static async Task<(string Id, FakeAgent[] Web)> InterruptedDeploymentAsync(CoordinatorHarness h, bool built, string manifest = ThreeHosts)
    {
        await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        var web = new[]
        {
            await h.ConnectAsync("web-1", "role=web", CancellationToken.None),
            await h.ConnectAsync("web-2", "role=web", CancellationToken.None),
            await h.ConnectAsync("web-3", "role=web", CancellationToken.None),
        };
        var plan = await h.PlanAsync(manifest, CancellationToken.None);
        await h.Runner.CreateAsync(plan, CancellationToken.None);
        var id = plan.Record.Id;
        if (built)
        {
            await h.Deployments.SetHostStepAsync(id, "build-1", StepKind.Build, StepState.Succeeded, "", "built", CancellationToken.None);
            await h.Deployments.SetBuildAsync(id, await h.UploadAsync("release tarball", CancellationToken.None), "0.2.0", "0.2.0-r1", CancellationToken.None);
            await h.Deployments.SetHostStepAsync(id, "web-1", StepKind.Activate, StepState.Running, "0.2.0-r1", "", CancellationToken.None);
        }
        else
        {
            await h.Deployments.SetHostStepAsync(id, "build-1", StepKind.Build, StepState.Running, "", "", CancellationToken.None);
        }

        return (id, web);
    }

    private static StepResult Ok(string id, string stepId, string releaseId = "0.2.0-r1") => new()
    {
        StepId = stepId, DeploymentId = id, Ok = true, Activate = new ActivateOutput { ReleaseId = releaseId },
    };

    /// <summary>Moves the fake clock a poll at a time (the reconciler waits on it between looks) until <paramref name="task"/> ends.</summary>
    private static async Task<T> PollUntilAsync<T>(CoordinatorHarness h, Task<T> task)
    {
        while (!task.IsCompleted)
        {
            h.Clock.Advance(h.Options.ReconcilePoll);
            await Task.WhenAny(task, Task.Delay(20));
        }

        return await task;
    }

    private static async Task<Deployment> WaitFinishedAsync(CoordinatorHarness h, string id)
    {
        while (true)
        {
            var d = await h.GetAsync(id, CancellationToken.None);
            if (d.FinishedAt is not null)
            {
                return d;
            }

            await Task.Delay(20);
        }
    }
}
