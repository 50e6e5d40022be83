using System.Text.RegularExpressions;
using Akd.Contracts.V1;
using Akd.Coordinator.Dashboard;
using Akd.Coordinator.Security;
using Google.Protobuf.WellKnownTypes;

namespace Akd.Coordinator.Tests.Dashboard;

public sealed class DashboardPagesTests
{
    private static readonly DashboardSession Session = new("sid", "akdt1.x.y", "csrf-value", DateTimeOffset.UtcNow.AddHours(1));

    [Fact]
    public void DeploymentPage_HostileLogLineAndMessage_AreEncoded()
    {
        // Arrange
        var d = Finished();
        d.Error = "<img src=x onerror=alert(1)>";
        var events = new List<DeploymentEvent>
        {
            new() { Seq = 1, Kind = EventKind.Log, Host = "web-1", Message = "</pre><script>alert('log')</script>", At = Now() },
            new() { Seq = 2, Kind = EventKind.Step, Host = "web-1\"><b>", Step = StepKind.Activate, StepState = StepState.Succeeded, Message = "<i>ok</i>", At = Now() },
        };

        // Act
        var page = Render(d, events, Role.Admin);

        // Assert
        Assert.DoesNotContain("<script>alert", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<i>ok</i>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("\"><b>", page, StringComparison.Ordinal);
        Assert.Contains("&lt;/pre&gt;&lt;script&gt;alert(&#x27;log&#x27;)&lt;/script&gt;", page, StringComparison.Ordinal);
        Assert.Contains("data-after=\"2\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public void DeploymentPage_ActivatedHosts_EachRowShowsBytesFromTheCoordinatorAndFromPeers()
    {
        // Arrange: web-1 got the release from the coordinator, web-2 mostly from peers, web-3 reported nothing; a build row.
        var d = Finished();
        d.Hosts.Add(new HostStatus { Host = "build-1", Step = StepKind.Build, State = StepState.Succeeded });
        d.Hosts.Add(new HostStatus { Host = "web-1", Step = StepKind.Activate, State = StepState.Succeeded, Transfer = new TransferStats { BytesFromCoordinator = 64L * 1024 * 1024 } });
        d.Hosts.Add(new HostStatus
        {
            Host = "web-2", Step = StepKind.Activate, State = StepState.Succeeded, Transfer = new TransferStats { BytesFromCoordinator = 4L * 1024 * 1024, BytesFromPeers = 60L * 1024 * 1024 },
        });
        d.Hosts.Add(new HostStatus { Host = "web-3", Step = StepKind.Activate, State = StepState.Succeeded });

        // Act
        var page = Render(d, [], Role.Viewer);

        // Assert: the two byte columns of each host's row.
        var headers = Regex.Matches(page, "<th>([^<]*)</th>").Select(m => m.Groups[1].Value).ToList();
        var (coordinator, peers) = (headers.IndexOf("From coordinator"), headers.IndexOf("From peers"));
        Assert.True(coordinator >= 0 && peers >= 0, page);
        string[] BytesOf(string key)
        {
            var cells = Regex.Matches(Regex.Match(page, $"<tr data-key=\"{Regex.Escape(System.Text.Encodings.Web.HtmlEncoder.Default.Encode(key))}\">(.*?)</tr>", RegexOptions.Singleline).Groups[1].Value, "<td[^>]*>(.*?)</td>", RegexOptions.Singleline);
            return [cells[coordinator].Groups[1].Value, cells[peers].Groups[1].Value];
        }

        Assert.Equal(["64.0 MiB", "0 B"], BytesOf("web-1/activate"));
        Assert.Equal(["4.0 MiB", "60.0 MiB"], BytesOf("web-2/activate"));
        Assert.Equal(["-", "-"], BytesOf("web-3/activate"));
        Assert.Equal(["-", "-"], BytesOf("build-1/build"));
    }

    [Fact]
    public void DeploymentPage_Viewer_GetsNoActionAtAll()
    {
        // Act
        var finished = Render(Finished(), [], Role.Viewer);
        var running = Render(Running(), [], Role.Viewer);

        // Assert
        Assert.DoesNotContain("action-", finished, StringComparison.Ordinal);
        Assert.DoesNotContain("action-", running, StringComparison.Ordinal);
    }

    [Fact]
    public void DeploymentPage_DeployerOnAFinishedDeploy_GetsDeployAgainAndRollback_NotCancel()
    {
        // Act
        var page = Render(Finished(), [], Role.Deployer);

        // Assert
        Assert.Contains("id=\"action-redeploy\"", page, StringComparison.Ordinal);
        Assert.Contains("id=\"action-rollback\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"action-cancel\"", page, StringComparison.Ordinal);
        Assert.Contains("data-finished=\"true\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public void DeploymentPage_DeployerOnARunningDeploy_GetsCancelOnly()
    {
        // Act
        var page = Render(Running(), [], Role.Deployer);

        // Assert
        Assert.Contains("id=\"action-cancel\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"action-redeploy\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"action-rollback\"", page, StringComparison.Ordinal);
        Assert.Contains("data-finished=\"false\"", page, StringComparison.Ordinal);
    }

    [Fact]
    public void Page_AnyPage_HasNoInlineScriptAndTheSessionsCsrfInTheSignOutForm()
    {
        // Act
        var page = Render(Finished(), [], Role.Viewer);

        // Assert
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(page, "<script"));
        Assert.Contains("<script src=\"/static/dashboard.js\" defer=\"defer\"></script>", page, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"<[^>]*\son[a-z]+=", page);
        Assert.Contains("name=\"csrf\" value=\"csrf-value\"", page, StringComparison.Ordinal);
        Assert.Contains("name=\"viewport\"", page, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "", "", new[] { "a", "b", "c", "d" })]
    [InlineData("", "staging", "", new[] { "b", "d" })]
    [InlineData("", "", "running", new[] { "c" })]
    [InlineData("", "", "failed", new[] { "b" })]
    [InlineData("", "staging", "succeeded", new[] { "d" })]
    [InlineData("", "", "bogus", new[] { "a", "b", "c", "d" })]
    public void DeploymentFilter_EnvironmentAndResult_SelectTheMatchingOnes(string app, string env, string result, string[] expected)
    {
        // Arrange
        var all = new[]
        {
            Deployment("a", "", DeploymentState.Succeeded, finished: true),
            Deployment("b", "staging", DeploymentState.Failed, finished: true),
            Deployment("c", "", DeploymentState.Building, finished: false),
            Deployment("d", "staging", DeploymentState.Succeeded, finished: true),
        };
        var query = new Microsoft.AspNetCore.Http.QueryCollection(new Dictionary<string, Microsoft.Extensions.Primitives.StringValues>
        {
            ["app"] = app, ["env"] = env, ["result"] = result,
        });

        // Act
        var shown = all.Where(DeploymentFilter.From(query).Matches).Select(d => d.Id).ToArray();

        // Assert
        Assert.Equal(expected, shown);
    }

    [Fact]
    public void Json_LogEvent_CarriesTheLineThePageShows()
    {
        // Arrange
        var e = new DeploymentEvent { Seq = 7, Kind = EventKind.Log, Host = "", Message = "<b>batch 1</b>", At = Now() };

        // Act
        using var json = System.Text.Json.JsonDocument.Parse(LiveEvents.Json(e));

        // Assert
        Assert.Equal(7, json.RootElement.GetProperty("seq").GetInt64());
        Assert.Equal("log", json.RootElement.GetProperty("kind").GetString());
        Assert.Equal(DeploymentPage.LogLine(e), json.RootElement.GetProperty("line").GetString());
        Assert.EndsWith("[coordinator] <b>batch 1</b>", json.RootElement.GetProperty("line").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Json_StateEvents_SayWhetherTheDeploymentEndedAndWhichHostBuiltSoThePageSpellsNoStateWord()
    {
        // Arrange
        var events = new[]
        {
            new DeploymentEvent { Kind = EventKind.Deployment, DeploymentState = DeploymentState.Cancelled, At = Now() },
            new DeploymentEvent { Kind = EventKind.Deployment, DeploymentState = DeploymentState.Cancelling, At = Now() },
            new DeploymentEvent { Kind = EventKind.Step, Step = StepKind.Build, StepState = StepState.Succeeded, Host = "build-1", At = Now() },
            new DeploymentEvent { Kind = EventKind.Step, Step = StepKind.Activate, StepState = StepState.Succeeded, Host = "web-1", At = Now() },
        };

        // Act
        var json = events.Select(e => System.Text.Json.JsonDocument.Parse(LiveEvents.Json(e)).RootElement).ToList();

        // Assert
        Assert.Equal([true, false, false, false], json.Select(j => j.GetProperty("ended").GetBoolean()));
        Assert.Equal([false, false, true, false], json.Select(j => j.GetProperty("builtBy").GetBoolean()));
        Assert.Equal("cancelled", json[0].GetProperty("state").GetString());
    }

    [Fact]
    public void FleetPage_AgentsOfEachRunner_RunnerColumnSaysHowEachHostRunsApps()
    {
        // Arrange: one host with transient systemd units, one with detached processes, one agent from before protocol 2.2.
        var agents = new[]
        {
            new AgentInfo { Name = "web-1", State = AgentState.Online, Hostname = "host-a", Toolchain = new Toolchain { AppRunner = "systemd" }, LastSeen = Now() },
            new AgentInfo { Name = "web-2", State = AgentState.Online, Hostname = "host-b", Toolchain = new Toolchain { AppRunner = "detached" }, LastSeen = Now() },
            new AgentInfo { Name = "web-3", State = AgentState.Offline, Hostname = "host-c", LastSeen = Now() },
        };
        var html = new Html();

        // Act
        FleetPage.Render(html, agents, new Dictionary<string, int>());

        // Assert: the Runner cell of each row, not the host's name.
        var page = html.ToString();
        var runnerColumn = Array.IndexOf(Regex.Matches(page, "<th>([^<]*)</th>").Select(m => m.Groups[1].Value).ToArray(), "Runner");
        Assert.True(runnerColumn >= 0, page);
        string RunnerOf(string agent) =>
            Regex.Matches(Regex.Match(page, $"<tr data-agent=\"{agent}\">(.*?)</tr>", RegexOptions.Singleline).Groups[1].Value, "<td>(.*?)</td>", RegexOptions.Singleline)[runnerColumn].Groups[1].Value;
        Assert.Equal(["systemd", "detached", "-"], new[] { RunnerOf("web-1"), RunnerOf("web-2"), RunnerOf("web-3") });
        Assert.DoesNotContain("host-a", page, StringComparison.Ordinal);
    }

    [Fact]
    public void FleetPage_AgentStillProbing_ToolCellsSayNotKnownRatherThanNone()
    {
        // Arrange: one agent whose probe found Elixir, one whose probe found none, one that has not reported a probe yet.
        var agents = new[]
        {
            new AgentInfo { Name = "web-1", State = AgentState.Online, Toolchain = new Toolchain { Elixir = "1.14.0", Probed = true }, LastSeen = Now() },
            new AgentInfo { Name = "web-2", State = AgentState.Online, Toolchain = new Toolchain { Probed = true }, LastSeen = Now() },
            new AgentInfo { Name = "web-3", State = AgentState.Online, Toolchain = new Toolchain { AppRunner = "systemd" }, LastSeen = Now() },
        };
        var html = new Html();

        // Act
        FleetPage.Render(html, agents, new Dictionary<string, int>());

        // Assert: the Elixir cell of each row.
        var page = html.ToString();
        var elixirColumn = Array.IndexOf(Regex.Matches(page, "<th>([^<]*)</th>").Select(m => m.Groups[1].Value).ToArray(), "Elixir");
        Assert.True(elixirColumn >= 0, page);
        string ElixirOf(string agent) =>
            Regex.Matches(Regex.Match(page, $"<tr data-agent=\"{agent}\">(.*?)</tr>", RegexOptions.Singleline).Groups[1].Value, "<td>(.*?)</td>", RegexOptions.Singleline)[elixirColumn].Groups[1].Value;
        Assert.Equal(["1.14.0", "-", "?"], new[] { ElixirOf("web-1"), ElixirOf("web-2"), ElixirOf("web-3") });
    }

    private static string Render(Deployment d, List<DeploymentEvent> events, Role role) =>
        Layout.Page("t", Session, new Caller(CallerKind.Operator, "someone", role),
            html => DeploymentPage.Render(html, d, events, new SignedIn(Session, new Caller(CallerKind.Operator, "someone", role)), 100));

    private static Timestamp Now() => Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow);

    private static Deployment Finished() => Deployment("d-1", "", DeploymentState.Succeeded, finished: true);

    private static Deployment Running() => Deployment("d-2", "", DeploymentState.Building, finished: false);

    private static Deployment Deployment(string id, string env, DeploymentState state, bool finished) => new()
    {
        Id = id, App = "hello", Environment = env, Kind = DeploymentKind.Deploy, State = state, Strategy = "remote-build", Actor = "alice",
        CreatedAt = Now(), FinishedAt = finished ? Now() : null,
    };
}
