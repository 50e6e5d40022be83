using Akd.Agent.Reporting;
using Akd.Agent.Steps;
using Akd.Contracts.V1;
using Akd.Core.Manifest;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Tests.Steps;

public sealed class StepLocksTests
{
    private static readonly AgentOptions Options = new() { DataDir = "/srv/akd-agent" };

    [Fact(Timeout = 10_000)]
    public async Task AcquireAsync_StepOfTheNextDeploymentWhileTheInterruptedOneRuns_WaitsUntilItEnds()
    {
        // Arrange: after a coordinator restart, a step of the interrupted deployment still runs on this
        // deploy path when the next deployment's step arrives.
        var locks = new StepLocks(Microsoft.Extensions.Options.Options.Create(Options), TestMetrics.Agent);
        var manifest = new AppManifest { App = "hello" };
        var key = locks.KeyFor(new StepCommand { Activate = new ActivateStep() }, manifest);
        var outbox = new Outbox();
        var first = await locks.AcquireAsync(key, TestMetrics.Reporter(outbox, "s1"), CancellationToken.None);

        // Act
        var second = locks.AcquireAsync(locks.KeyFor(new StepCommand { Rollback = new RollbackStep() }, manifest), TestMetrics.Reporter(outbox, "s2"), CancellationToken.None);
        var waitedWhileTheFirstRan = !second.IsCompleted;
        first!.Dispose();
        using var secondHeld = await second;

        // Assert
        Assert.True(waitedWhileTheFirstRan, "the second step must not run on the deploy path while the first does");
        Assert.NotNull(secondHeld);
        Assert.True(outbox.Reader.TryRead(out var note));
        Assert.Equal(("s2", "waiting for another step on deploy:/srv/akd-agent/apps/hello to finish"), (note.Log.StepId, note.Log.Line));
    }

    [Fact]
    public void KeyFor_RelativeAndAbsoluteSpellingsOfOnePath_AreOneLock()
    {
        // Arrange: two apps that name the same directory two ways.
        var locks = new StepLocks(Microsoft.Extensions.Options.Options.Create(Options), TestMetrics.Agent);
        var relative = new AppManifest { App = "a", Deploy = new DeploySettings { Path = "apps/../shared/site" } };
        var absolute = new AppManifest { App = "b", Deploy = new DeploySettings { Path = "/srv/akd-agent/shared/site" } };
        var activate = new StepCommand { Activate = new ActivateStep() };

        // Act
        var keys = (locks.KeyFor(activate, relative), locks.KeyFor(activate, absolute));

        // Assert
        Assert.Equal("deploy:/srv/akd-agent/shared/site", keys.Item1);
        Assert.Equal(keys.Item1, keys.Item2);
    }

    [Fact]
    public void KeyFor_BuildAndReleasesQuery_NeverWaitOnTheDeployPath()
    {
        // Arrange
        var locks = new StepLocks(Microsoft.Extensions.Options.Options.Create(Options), TestMetrics.Agent);
        var manifest = new AppManifest { App = "hello" };

        // Act
        var build = locks.KeyFor(new StepCommand { Build = new BuildStep() }, manifest);
        var query = locks.KeyFor(new StepCommand { Releases = new ReleasesQuery() }, manifest);

        // Assert
        Assert.Equal("build:hello", build);
        Assert.Null(query);
    }
}
