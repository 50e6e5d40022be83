using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;

namespace Akd.Coordinator.Tests.Deployments;

public sealed class ResumePlanTests
{
    [Fact]
    public void For_FirstHostDoneOthersNotReached_RemainingAreTheUnreachedHostsOnly()
    {
        // Arrange
        var record = Built(("web-1", StepStates.Succeeded), ("web-2", StepStates.Pending), ("web-3", StepStates.Pending));

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
        var plan = ResumePlan.For(Built(("web-1", StepStates.Succeeded), ("web-2", StepStates.Succeeded)), _ => true);

        // Assert
        Assert.Equal((null, 0), (plan.CannotResume, plan.Remaining.Count));
    }

    [Theory]
    [InlineData("running", "no result came from web-1 after the restart")]
    [InlineData("failed", "the step failed on web-1")]
    [InlineData("rolled-back", "the step failed on web-1")]
    public void For_FirstHostNotSucceeded_CannotResumeAndSaysWhy(string state, string why)
    {
        // Act
        var plan = ResumePlan.For(Built(("web-1", state), ("web-2", StepStates.Pending)), _ => true);

        // Assert
        Assert.Equal(why + (state == "running" ? ", so what it runs is unknown" : ""), plan.CannotResume);
    }

    [Fact]
    public void For_NoBuildYetOrHostGone_CannotResume()
    {
        // Arrange
        var unbuilt = Built(("web-1", StepStates.Pending));
        unbuilt.ArtifactSha256 = "";

        // Act
        var noBuild = ResumePlan.For(unbuilt, _ => true);
        var gone = ResumePlan.For(Built(("web-1", StepStates.Succeeded), ("web-2", StepStates.Pending)), host => host != "web-2");

        // Assert
        Assert.Equal("the build had not finished, so there is no release to deliver", noBuild.CannotResume);
        Assert.Equal("web-2 did not come back after the restart", gone.CannotResume);
    }

    private static Deployment Built(params (string Host, string State)[] hosts)
    {
        var record = new Deployment
        {
            Id = "d1", App = "hello", Kind = DeploymentKinds.Deploy, Strategy = "remote-build", ArtifactSha256 = new string('a', 64), ReleaseId = "0.2.0-r1",
        };
        record.Hosts.Add(new HostStatus { Host = "build-1", Step = StepKinds.Build, State = StepStates.Succeeded });
        record.Hosts.AddRange(hosts.Select(h => new HostStatus { Host = h.Host, Step = StepKinds.Activate, State = h.State }));
        return record;
    }
}
