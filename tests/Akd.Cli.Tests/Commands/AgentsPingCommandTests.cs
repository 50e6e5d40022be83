using Akd.Cli.Commands;
using Akd.Contracts.V1;

namespace Akd.Cli.Tests.Commands;

public sealed class AgentsPingCommandTests
{
    [Fact]
    public void Summary_SomeDidNotAnswer_CountsThemAndPointsAtTheListedReasons()
    {
        // Arrange: 3 of 25 answered; the coordinator lists at most 20 of the 22 that did not.
        var reply = new PingAgentsResponse { Agents = 25, Answered = 3, ElapsedMs = 10_004.4 };
        reply.Failures.AddRange(Enumerable.Range(0, 20).Select(i => $"web-{i}: no answer within 10000 ms"));

        // Act
        var line = AgentsPingCommand.Summary(reply, "role=web");

        // Assert
        Assert.Equal("3 of 25 agents answered in 10004 ms; 22 did not (the first 20 below)", line);
    }

    [Fact]
    public void Summary_AnEnrolledAgentOffline_CountsItAndListsItAfterThosePinged()
    {
        // Arrange: two online agents answered, one failed its ping, one enrolled agent is not connected.
        var reply = new PingAgentsResponse { Agents = 3, Answered = 2, ElapsedMs = 5 };
        reply.Failures.Add("web-2: no answer within 10000 ms");
        reply.Offline.Add("web-4");

        // Act
        var line = AgentsPingCommand.Summary(reply, "");
        var unanswered = AgentsPingCommand.Unanswered(reply);

        // Assert
        Assert.Equal("2 of 4 agents answered in 5 ms; 2 did not:", line);
        Assert.Equal(["web-2: no answer within 10000 ms", "web-4: offline (not connected to the coordinator)"], unanswered);
    }

    [Fact]
    public void Summary_EveryAgentOffline_NoTimeAndAllListed()
    {
        // Arrange
        var reply = new PingAgentsResponse();
        reply.Offline.Add(["web-1", "web-2"]);

        // Act
        var line = AgentsPingCommand.Summary(reply, "role=web");

        // Assert
        Assert.Equal("0 of 2 agents answered; 2 did not:", line);
    }

    [Theory]
    [InlineData("", "no agent is enrolled")]
    [InlineData("role=db", "no enrolled agent matches role=db")]
    public void Summary_NoAgentMatched_SaysSoRatherThanCountingZero(string selector, string expected)
    {
        // Act
        var line = AgentsPingCommand.Summary(new PingAgentsResponse(), selector);

        // Assert
        Assert.Equal(expected, line);
    }

    [Theory]
    [InlineData("2x", "--timeout '2x' is not a duration such as 90m, 1h or 30d")]
    [InlineData("11m", "--timeout '11m' is longer than a ping may wait (10m)")]
    public void TimeoutOf_NotADurationOrTooLong_IsAUsageErrorNamingTheOption(string text, string expected)
    {
        // Act
        var error = Assert.Throws<CliException>(() => AgentsPingCommand.TimeoutOf(text));

        // Assert
        Assert.Equal((ExitCodes.Usage, expected), (error.ExitCode, error.Message));
    }

    [Fact]
    public void TimeoutOf_Seconds_IsThatLong()
    {
        // Act
        var timeout = AgentsPingCommand.TimeoutOf("30s");

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(30), timeout);
    }
}
