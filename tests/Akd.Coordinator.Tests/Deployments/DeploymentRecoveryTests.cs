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
        Assert.Equal(DeploymentStates.Succeeded, d.State);
        Assert.All(d.Hosts.Where(r => r.Step == StepKinds.Activate), r => Assert.Equal((StepStates.Succeeded, "0.2.0-r1"), (r.State, r.ReleaseId)));
        Assert.Contains("reported after the coordinator lost the step", CoordinatorHarness.Row(d, "web-1", "activate").Message);
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
        Assert.Equal(DeploymentStates.Failed, d.State);
        Assert.Equal("interrupted by a coordinator restart and not resumed: the build had not finished, so there is no release to deliver", d.Error);
        Assert.Equal(StepStates.Failed, CoordinatorHarness.Row(d, "build-1", "build").State);
        Assert.All(d.Hosts.Where(r => r.Step == StepKinds.Activate), r => Assert.Equal(StepStates.Skipped, r.State));
        Assert.All(web, w => Assert.Empty(w.Pending()));
    }

    [Fact(Timeout = 20_000)]
    public async Task StartAsync_HostNeverReportsItsStep_EndsFailedWithThatHostUnknownAndTheRestUntouched()
    {
        // Arrange
        using var h = new CoordinatorHarness();
        h.Options.ReconcileWindow = TimeSpan.Zero;
        var (id, web) = await InterruptedDeploymentAsync(h, built: true);

        // Act
        await h.Recovery().StartAsync(CancellationToken.None);
        var d = await WaitFinishedAsync(h, id);

        // Assert
        Assert.Equal(DeploymentStates.Failed, d.State);
        Assert.Contains("no result came from web-1 after the restart", d.Error);
        Assert.Contains("state is unknown", CoordinatorHarness.Row(d, "web-1", "activate").Message);
        Assert.Equal(StepStates.Skipped, CoordinatorHarness.Row(d, "web-2", "activate").State);
        Assert.All(web, w => Assert.Empty(w.Pending()));
    }

    private static async Task<(string Id, FakeAgent[] Web)> InterruptedDeploymentAsync(CoordinatorHarness h, bool built)
    {
        await h.ConnectAsync("build-1", "role=build", CancellationToken.None);
        var web = new[]
        {
            await h.ConnectAsync("web-1", "role=web", CancellationToken.None),
            await h.ConnectAsync("web-2", "role=web", CancellationToken.None),
            await h.ConnectAsync("web-3", "role=web", CancellationToken.None),
        };
        var plan = await h.PlanAsync(ThreeHosts, CancellationToken.None);
        await h.Runner.CreateAsync(plan, CancellationToken.None);
        var id = plan.Record.Id;
        if (built)
        {
            await h.Deployments.SetHostStepAsync(id, "build-1", StepKinds.Build, StepStates.Succeeded, "", "built", CancellationToken.None);
            await h.Deployments.SetBuildAsync(id, await h.UploadAsync("release tarball", CancellationToken.None), "0.2.0", "0.2.0-r1", CancellationToken.None);
            await h.Deployments.SetHostStepAsync(id, "web-1", StepKinds.Activate, StepStates.Running, "0.2.0-r1", "", CancellationToken.None);
        }
        else
        {
            await h.Deployments.SetHostStepAsync(id, "build-1", StepKinds.Build, StepStates.Running, "", "", CancellationToken.None);
        }

        return (id, web);
    }

    private static StepResult Ok(string id, string stepId) => new()
    {
        StepId = stepId, DeploymentId = id, Ok = true, Activate = new ActivateOutput { ReleaseId = "0.2.0-r1" },
    };

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
