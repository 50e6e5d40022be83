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

    private static string Field(string json, string name) =>
        System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty(name).GetString()!;
}
