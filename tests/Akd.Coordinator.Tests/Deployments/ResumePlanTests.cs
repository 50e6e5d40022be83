using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;

namespace Akd.Coordinator.Tests.Deployments;

public sealed class ResumePlanTests
{
    [Fact]
    public void For_FirstHostDoneOthersNotReached_RemainingAreTheUnreachedHostsOnly()
    {
        // Arrange
        var record = Built(("web-1", StepState.Succeeded), ("web-2", StepState.Pending), ("web-3", StepState.Pending));

        // Act
        var plan = ResumePlan.For(record, _ => true);

        // Assert
        Assert.Null(plan.CannotResume);
        Assert.Equal(["web-2", "web-3"], plan.Remaining);
    }

    [Fact]
    public void For_EveryHostDone_NothingRemains()
    {
        // Act
        var plan = ResumePlan.For(Built(("web-1", StepState.Succeeded), ("web-2", StepState.Succeeded)), _ => true);

        // Assert
        Assert.Equal((null, 0), (plan.CannotResume, plan.Remaining.Count));
    }

    [Fact]
    public void For_FirstHostNeverReported_CannotResumeAndSaysWhy()
    {
        // Act
        var plan = ResumePlan.For(Built(("web-1", StepState.Running), ("web-2", StepState.Pending)), _ => true);

        // Assert
        Assert.Equal("no result came from web-1 after the restart, so what it runs is unknown", plan.CannotResume);
    }

    [Theory]
    [InlineData(StepState.Failed)]
    [InlineData(StepState.RolledBack)]
    public void For_FirstHostFailed_ResumesWithTheFailureCountedAsDone(StepState state)
    {
        // Act: whether the failure stops the rollout is max_failures' call, as in one rollout.
        var plan = ResumePlan.For(Built(("web-1", state), ("web-2", StepState.Pending)), _ => true);

        // Assert
        Assert.Null(plan.CannotResume);
        Assert.Equal(["web-2"], plan.Remaining);
        var done = Assert.Single(plan.Done);
        Assert.Equal(("web-1", false, "it did not come up"), (done.Host, done.Ok, done.Result.Error));
    }

    [Fact]
    public void For_InterruptedFleetOperation_RemainingAreItsUnreachedHostsWithTheDoneOnesReleases()
    {
        // Arrange
        var record = new Deployment { Id = "d2", App = "hello", Kind = DeploymentKind.Restart, Strategy = "remote-build" };
        record.Hosts.Add(new HostStatus { Host = "web-1", Step = StepKind.Restart, State = StepState.Succeeded, ReleaseId = "0.1.0-r1" });
        record.Hosts.Add(new HostStatus { Host = "web-2", Step = StepKind.Restart, State = StepState.Pending });

        // Act
        var plan = ResumePlan.For(record, _ => true);

        // Assert
        Assert.Equal((StepKind.Restart, null, "web-2"), (plan.Step, plan.CannotResume, Assert.Single(plan.Remaining)));
        Assert.Equal("0.1.0-r1", Assert.Single(plan.Done).Result.Control.ReleaseId);
    }

    [Fact]
    public void For_SourceDeployFromGit_CannotResumeButFromAnArchiveCan()
    {
        // Arrange
        var fromGit = Built(("web-1", StepState.Succeeded), ("web-2", StepState.Pending));
        fromGit.Strategy = "source";
        fromGit.ArtifactSha256 = "";
        var fromArchive = fromGit.Clone();
        fromArchive.SourceSha256 = new string('b', 64);

        // Act
        var git = ResumePlan.For(fromGit, _ => true);
        var archive = ResumePlan.For(fromArchive, _ => true);

        // Assert
        Assert.StartsWith("a source deploy from git is not resumed", git.CannotResume);
        Assert.Equal((null, "web-2"), (archive.CannotResume, Assert.Single(archive.Remaining)));
    }

    [Fact]
    public void For_NoBuildYetOrHostGone_CannotResume()
    {
        // Arrange
        var unbuilt = Built(("web-1", StepState.Pending));
        unbuilt.ArtifactSha256 = "";

        // Act
        var noBuild = ResumePlan.For(unbuilt, _ => true);
        var gone = ResumePlan.For(Built(("web-1", StepState.Succeeded), ("web-2", StepState.Pending)), host => host != "web-2");

        // Assert
        Assert.Equal("the build had not finished, so there is no release to deliver", noBuild.CannotResume);
        Assert.Equal("web-2 did not come back after the restart", gone.CannotResume);
    }

    private static Deployment Built(params (string Host, StepState State)[] hosts)
    {
        var record = new Deployment
        {
            Id = "d1", App = "hello", Kind = DeploymentKind.Deploy, Strategy = "remote-build", ArtifactSha256 = new string('a', 64), ReleaseId = "0.2.0-r1",
        };
        record.Hosts.Add(new HostStatus { Host = "build-1", Step = StepKind.Build, State = StepState.Succeeded });
        record.Hosts.AddRange(hosts.Select(h => new HostStatus
        {
            Host = h.Host, Step = StepKind.Activate, State = h.State, Message = h.State == StepState.Succeeded ? "" : "it did not come up",
        }));
        return record;
    }
}
