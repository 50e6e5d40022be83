using Akd.Cli.Output;
using Akd.Contracts.V1;
using Google.Protobuf;

namespace Akd.Cli.Tests.Output;

/// <summary>
/// <c>--output json</c> prints the vocabulary as the words it printed before protocol 2.3 carried it as enums:
/// the same keys, the same values, no enum names.
/// </summary>
public sealed class JsonTests
{
    private static readonly JsonFormatter Before23 = new(new JsonFormatter.Settings(formatDefaultValues: true));

    [Fact]
    public void Format_DeploymentWithEnums_TheJsonOfProtocol22()
    {
        // Arrange
        var d = new Deployment { Id = "d-1", App = "hello", State = DeploymentState.Succeeded, Kind = DeploymentKind.Deploy };
        d.Hosts.Add(new HostStatus { Host = "web-1", Step = StepKind.Activate, State = StepState.RolledBack, ReleaseId = "0.1.0-x" });

        // Act
        var json = Cli.Output.Json.Format(d);

        // Assert
#pragma warning disable CS0612 // the message as a 2.2 coordinator sent it: text fields only
        var older = new Deployment { Id = "d-1", App = "hello", StateText = "succeeded", KindText = "deploy" };
        older.Hosts.Add(new HostStatus { Host = "web-1", StepText = "activate", StateText = "rolled-back", ReleaseId = "0.1.0-x" });
#pragma warning restore CS0612
        Assert.Equal(Before23.Format(older), json);
        Assert.Contains("\"state\": \"rolled-back\"", json);
        Assert.DoesNotContain("STATE_", json);
    }

    [Fact]
    public void Format_EventsOfEachKind_StepAndStateAsWords()
    {
        // Arrange
        var events = new[]
        {
            new DeploymentEvent { Seq = 1, Kind = EventKind.Deployment, DeploymentState = DeploymentState.Delivering },
            new DeploymentEvent { Seq = 2, Kind = EventKind.Step, Host = "web-1", Step = StepKind.Activate, StepState = StepState.Running },
            new DeploymentEvent { Seq = 3, Kind = EventKind.Progress, Host = "web-1", Step = StepKind.Activate, Phase = Phase.HotUpgrade },
            new DeploymentEvent { Seq = 4, Kind = EventKind.Log, Host = "web-1", Step = StepKind.Activate, Message = "ok" },
        };

        // Act
        var json = events.Select(e => Cli.Output.Json.Format(e)).ToList();

        // Assert
        Assert.Equal(
        [
            ("", "delivering"), ("activate", "running"), ("activate", "hot-upgrade"), ("activate", ""),
        ], json.Select(j => (Field(j, "step"), Field(j, "state"))));
        Assert.All(json, j => Assert.DoesNotContain("stepKind", j));
    }

    [Fact]
    public void Format_AgentAndHostReleasesWithEnums_TheJsonOfBeforeTheirEnums()
    {
        // Arrange
        var agent = new AgentInfo { Name = "web-1", State = AgentState.Offline, AgentVersion = "0.1.0" };
        var host = new HostReleases { Host = "web-1", State = HostAnswer.Ok, Releases = new ReleasesOutput { CurrentReleaseId = "0.2.0-x" } };
        var kept = new KeptRelease { ReleaseId = "0.2.0-x" };
        kept.SetLastResult("hot-upgraded 0.1.0 -> 0.2.0");
        host.Releases.Releases.Add(kept);

        // Act
        var json = (Cli.Output.Json.Format(agent), Cli.Output.Json.Format(host));

        // Assert
#pragma warning disable CS0612 // the messages as a coordinator before these enums sent them: text fields only
        var olderAgent = new AgentInfo { Name = "web-1", StateText = "offline", AgentVersion = "0.1.0" };
        var olderHost = new HostReleases { Host = "web-1", StateText = "ok", Releases = new ReleasesOutput { CurrentReleaseId = "0.2.0-x" } };
        olderHost.Releases.Releases.Add(new KeptRelease { ReleaseId = "0.2.0-x", LastResultText = "hot-upgraded 0.1.0 -> 0.2.0" });
#pragma warning restore CS0612
        Assert.Equal((Before23.Format(olderAgent), Before23.Format(olderHost)), json);
        using var printed = System.Text.Json.JsonDocument.Parse(json.Item2);
        Assert.Equal("hot-upgraded 0.1.0 -> 0.2.0", printed.RootElement.GetProperty("releases").GetProperty("releases")[0].GetProperty("lastResult").GetString());
    }

    private static string Field(string json, string name) =>
        System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty(name).GetString()!;
}
