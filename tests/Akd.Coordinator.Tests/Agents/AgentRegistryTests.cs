using Akd.Contracts.V1;
using Akd.Coordinator.Tests.Deployments;

namespace Akd.Coordinator.Tests.Agents;

public sealed class AgentRegistryTests
{
    [Fact(Timeout = 10_000)]
    public async Task RunStepAsync_AgentConnectedButPastItsDeadline_FailsWithoutAnswerAndCancelsTheStepOnTheAgent()
    {
        // Arrange: an agent that takes the step and never answers, though its stream stays up.
        using var h = new CoordinatorHarness();
        var agent = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var command = new StepCommand { StepId = "s1", DeadlineSeconds = 60 };

        // Act
        var run = h.Registry.RunStepAsync("web-1", command, _ => { }, CancellationToken.None);
        Assert.Equal("s1", (await agent.ReceiveStepAsync(CancellationToken.None)).StepId);
        h.Clock.Advance(TimeSpan.FromSeconds(70));
        var result = await run;

        // Assert
        Assert.False(result.Ok);
        Assert.True(result.NoAnswer);
        Assert.Equal("agent web-1 did not finish the step within its 60s deadline", result.Error);
        var cancel = Assert.Single(agent.Pending());
        Assert.Equal(new CancelStep { StepId = "s1", Reason = "deadline passed" }, cancel.CancelStep);
        Assert.Equal(0, agent.Connection!.RunningSteps);
    }

    [Fact(Timeout = 10_000)]
    public async Task RunStepAsync_AgentReportsItsOwnTimeoutJustAfterItsDeadline_ItsAnswerWins()
    {
        // Arrange: the agent enforces the deadline itself and says what it did; the coordinator waits a
        // margin past the deadline so that answer, which knows the host's state, is the one recorded.
        using var h = new CoordinatorHarness();
        var agent = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var run = h.Registry.RunStepAsync("web-1", new StepCommand { StepId = "s1", DeadlineSeconds = 60 }, _ => { }, CancellationToken.None);
        await agent.ReceiveStepAsync(CancellationToken.None);

        // Act
        h.Clock.Advance(TimeSpan.FromSeconds(69));
        agent.Answer(new StepResult { StepId = "s1", Ok = false, Error = "the step passed its 60s deadline; the previous release was put back" });
        var result = await run;

        // Assert
        Assert.False(result.NoAnswer);
        Assert.Equal("the step passed its 60s deadline; the previous release was put back", result.Error);
        Assert.Empty(agent.Pending());
    }

    [Fact(Timeout = 10_000)]
    public async Task RunStepAsync_AgentDropsAndReconnectsWithinTheGrace_TakesTheResultItDeliversFromItsOutbox()
    {
        // Arrange: the stream drops mid-step; the agent keeps running the step and queues its result.
        using var h = new CoordinatorHarness();
        var agent = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var command = new StepCommand { StepId = "s1", DeadlineSeconds = 600 };
        var lines = new List<string>();
        var run = h.Registry.RunStepAsync("web-1", command, m => lines.Add(m.Log.Line), CancellationToken.None);
        await agent.ReceiveStepAsync(CancellationToken.None);
        agent.Drop();

        // Act: it comes back within the 20s grace, says it still runs the step, then the grace passes and its outbox drains.
        h.Clock.Advance(TimeSpan.FromSeconds(15));
        agent.Connect("s1");
        h.Clock.Advance(TimeSpan.FromSeconds(10));

        // The grace timer's continuation runs on the thread pool: give a wrong "lost" verdict a moment to land.
        // This only lets a broken registry show itself; a correct one passes however slow the machine is.
        await Task.WhenAny(run, Task.Delay(200));
        var lostAfterTheGrace = run.IsCompleted;
        agent.Log("s1", "queued while offline");
        agent.Answer(new StepResult { StepId = "s1", Ok = true, Activate = new ActivateOutput { ReleaseId = "0.1.0-r1" } });
        var result = await run;

        // Assert
        Assert.False(lostAfterTheGrace, "an agent back within the grace keeps its step");
        Assert.True(result.Ok);
        Assert.False(result.NoAnswer);
        Assert.Equal("0.1.0-r1", result.Activate.ReleaseId);
        Assert.Equal(["queued while offline"], lines);
    }

    [Fact(Timeout = 10_000)]
    public async Task RunStepAsync_AgentReconnectsKeepingTheStepsUnacknowledgedResult_TakesTheResentResult()
    {
        // Arrange: the step ended while the stream was down; the agent no longer runs it but keeps its result.
        using var h = new CoordinatorHarness();
        var agent = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var run = h.Registry.RunStepAsync("web-1", new StepCommand { StepId = "s1", DeadlineSeconds = 600 }, _ => { }, CancellationToken.None);
        await agent.ReceiveStepAsync(CancellationToken.None);
        agent.Drop();

        // Act
        agent.Connect([], ["s1"]);
        var lostOnReconnect = run.IsCompleted;
        agent.Answer(new StepResult { StepId = "s1", Ok = true });
        agent.Answer(new StepResult { StepId = "s1", Ok = false, Error = "a duplicate must not win" });
        var result = await run;

        // Assert
        Assert.False(lostOnReconnect, "a step whose result the agent keeps is not lost");
        Assert.True(result.Ok);
        Assert.False(result.NoAnswer);
    }

    [Fact(Timeout = 10_000)]
    public async Task RunStepAsync_AgentDropsAndStaysAway_FailsTheStepWhenTheGraceEnds()
    {
        // Arrange
        using var h = new CoordinatorHarness();
        var agent = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var run = h.Registry.RunStepAsync("web-1", new StepCommand { StepId = "s1", DeadlineSeconds = 600 }, _ => { }, CancellationToken.None);
        await agent.ReceiveStepAsync(CancellationToken.None);

        // Act
        agent.Drop();
        h.Clock.Advance(TimeSpan.FromSeconds(19));
        var withinTheGrace = run.IsCompleted;
        h.Clock.Advance(TimeSpan.FromSeconds(1));
        var result = await run;

        // Assert
        Assert.False(withinTheGrace);
        Assert.False(result.Ok);
        Assert.True(result.NoAnswer);
        Assert.Equal("agent web-1 disconnected during the step and did not come back within 20s", result.Error);
    }

    [Fact(Timeout = 10_000)]
    public async Task RunStepAsync_AgentReconnectsWithoutTheStep_FailsItAtOnce()
    {
        // Arrange: the agent restarted, so the step it ran is gone with its process.
        using var h = new CoordinatorHarness();
        var agent = await h.ConnectAsync("web-1", "role=web", CancellationToken.None);
        var run = h.Registry.RunStepAsync("web-1", new StepCommand { StepId = "s1", DeadlineSeconds = 600 }, _ => { }, CancellationToken.None);
        await agent.ReceiveStepAsync(CancellationToken.None);
        agent.Drop();

        // Act
        agent.Connect();
        var result = await run;

        // Assert
        Assert.False(result.Ok);
        Assert.True(result.NoAnswer);
        Assert.Equal("agent web-1 reconnected without the step (it restarted)", result.Error);
    }

    [Fact]
    public void DeadlineOf_StepResultMarginConfigured_TheStepsDeadlinePlusThatMargin()
    {
        // Arrange
        using var h = new CoordinatorHarness();
        h.Options.StepResultMargin = TimeSpan.FromSeconds(30);

        // Act
        var deadline = h.Registry.DeadlineOf(new StepCommand { StepId = "s1", DeadlineSeconds = 60 });

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(90), deadline);
    }
}
