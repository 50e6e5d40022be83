using Akd.Agent.Reporting;
using Akd.Contracts.V1;

namespace Akd.Agent.Tests.Reporting;

public sealed class OutboxTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("akd-outbox-").FullName;

    private string Results => Path.Join(_dir, "results");

    [Fact]
    public void Send_ResultThenAgentRestarts_NewOutboxResendsItUntilAcknowledged()
    {
        // Arrange: a result sent, never acknowledged, and the agent process gone with its memory.
        var before = new Outbox(Results);
        before.Send(new AgentMessage { Result = new StepResult { StepId = "step-1", DeploymentId = "d-1", Ok = true } });
        before.Send(new AgentMessage { Log = new StepLog { StepId = "step-1", Line = "not kept" } });

        // Act
        var after = new Outbox(Results);
        var resent = after.ResendUnacknowledged();

        // Assert: only the result survived, whole, and it is queued again.
        Assert.Equal(1, resent);
        Assert.Equal(["step-1"], after.UnacknowledgedStepIds);
        Assert.True(after.Reader.TryRead(out var message));
        Assert.Equal(new StepResult { StepId = "step-1", DeploymentId = "d-1", Ok = true }, message.Result);
        Assert.False(after.Reader.TryRead(out _));
    }

    [Fact]
    public void SendUnkept_PingResult_QueuedButNoFileKeptNorResentAfterARestart()
    {
        // Arrange
        var outbox = new Outbox(Results);

        // Act: a ping's result, as the step executor answers one.
        outbox.SendUnkept(new AgentMessage { Result = new StepResult { StepId = "ping-1", Ok = true } });
        var after = new Outbox(Results);

        // Assert: it goes to the coordinator once, and nothing waits on disk for an ack (protocol 2.5 sends none).
        Assert.True(outbox.Reader.TryRead(out var message));
        Assert.Equal("ping-1", message.Result.StepId);
        Assert.Empty(Directory.GetFiles(Results));
        Assert.Empty(after.UnacknowledgedStepIds);
        Assert.Equal(0, after.ResendUnacknowledged());
    }

    [Fact]
    public void Acknowledged_KeptResult_DeletesItsFileAndIsNotResent()
    {
        // Arrange
        var outbox = new Outbox(Results);
        outbox.Send(new AgentMessage { Result = new StepResult { StepId = "step-1", Ok = true } });
        outbox.Send(new AgentMessage { Result = new StepResult { StepId = "step-2", Ok = false, Error = "boom" } });

        // Act
        outbox.Acknowledged("step-1");
        outbox.Acknowledged("step-unknown");

        // Assert
        Assert.Equal(["step-2"], new Outbox(Results).UnacknowledgedStepIds);
        Assert.Single(Directory.GetFiles(Results));
    }

    [Fact]
    public void Send_StepIdWithPathCharacters_KeepsTheFileInsideTheResultsDirectory()
    {
        // Arrange: step ids come from the coordinator; one shaped like a path must not choose the file.
        var outbox = new Outbox(Results);

        // Act
        outbox.Send(new AgentMessage { Result = new StepResult { StepId = "../../escape", Ok = true } });

        // Assert
        var file = Assert.Single(Directory.GetFiles(Results));
        Assert.Equal(Path.GetFullPath(Results), Path.GetDirectoryName(Path.GetFullPath(file)));
        Assert.Equal(["../../escape"], outbox.UnacknowledgedStepIds);
        Assert.False(File.Exists(Path.Join(_dir, "..", "escape")));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
