using Akd.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;

namespace Akd.Coordinator.Tests.Deployments;

/// <summary>
/// Protocol 2.3 carries the vocabulary as enums beside the text fields 2.2 read and wrote: a peer of either minor
/// understands the other. The text fields are set here the way a 2.2 build sets them (hence the pragma).
/// </summary>
public sealed class WireVocabularyTests
{
    [Fact]
    public void Complete_DeploymentAnOlderCoordinatorSent_EnumsReadFromItsText()
    {
        // Arrange: the bytes a 2.2 coordinator sends, text only.
        var bytes = OlderDeployment().ToByteArray();

        // Act
        var d = Deployment.Parser.ParseFrom(bytes);
        WireVocabulary.Complete(d);

        // Assert
        Assert.Equal((DeploymentState.Failed, DeploymentKind.Rollback), (d.State, d.Kind));
        Assert.Equal([(StepKind.Rollback, StepState.RolledBack), (StepKind.Rollback, StepState.Skipped)], d.Hosts.Select(h => (h.Step, h.State)));
    }

    [Fact]
    public void Completed_DeploymentWithEnumsOnly_CopyCarriesTheTextOlderReadersReadAndTheOriginalIsLeft()
    {
        // Arrange: what the coordinator builds in process, enums only.
        var d = new Deployment { Id = "d-1", State = DeploymentState.Failed, Kind = DeploymentKind.Rollback };
        d.Hosts.Add(new HostStatus { Host = "web-1", Step = StepKind.Rollback, State = StepState.RolledBack });
        d.Hosts.Add(new HostStatus { Host = "web-2", Step = StepKind.Rollback, State = StepState.Skipped });

        // Act
        var sent = WireVocabulary.Completed(d);

        // Assert: a 2.2 reader parses the same bytes as the text it always had (and skips the enums, as TextOnly drops them).
        Assert.Equal(OlderDeployment().ToByteString(), WireVocabulary.TextOnly(Deployment.Parser.ParseFrom(sent.ToByteArray())).ToByteString());
        Assert.NotSame(d, sent);
#pragma warning disable CS0612 // the text fields a 2.2 peer reads
        Assert.Equal("", d.StateText);
#pragma warning restore CS0612
    }

    [Fact]
    public void SetStatus_TextOfEachEventKind_SetsTheMatchingStatusAndStatusTextGivesItBack()
    {
        // Arrange
        var events = new[]
        {
            (new DeploymentEvent { Kind = EventKind.Deployment }, "cancelling"),
            (new DeploymentEvent { Kind = EventKind.Step }, "rolled-back"),
            (new DeploymentEvent { Kind = EventKind.Progress }, "hot-upgrade"),
            (new DeploymentEvent { Kind = EventKind.Progress }, "no-such-phase"),
        };

        // Act
        foreach (var (e, text) in events)
        {
            e.SetStatus(text);
        }

        // Assert
        Assert.Equal(
            [DeploymentEvent.StatusOneofCase.DeploymentState, DeploymentEvent.StatusOneofCase.StepState, DeploymentEvent.StatusOneofCase.Phase, DeploymentEvent.StatusOneofCase.None],
            events.Select(p => p.Item1.StatusCase));
        Assert.Equal(["cancelling", "rolled-back", "hot-upgrade", ""], events.Select(p => p.Item1.StatusText()));
    }

    [Fact(Timeout = 10_000)]
    public async Task DuplexStreamingServerHandler_AgentOfProtocol22_HandlerSeesEnumsAndTheAgentGetsText()
    {
        // Arrange: a 2.2 agent reports a phase as text; the handler answers with a restart command, enums only.
        var interceptor = new VocabularyInterceptor();
#pragma warning disable CS0612 // what a 2.2 agent writes
        var fromAgent = new AgentMessage { Progress = new StepProgress { StepId = "s-1", PhaseText = "health" } };
#pragma warning restore CS0612
        var toAgent = new ListWriterFake<CoordinatorMessage>();
        var seen = Phase.Unspecified;
        var command = new CoordinatorMessage { RunStep = new StepCommand { StepId = "s-2", Control = new AppControlStep { Action = DeploymentKind.Restart } } };

        // Act
        await interceptor.DuplexStreamingServerHandler<AgentMessage, CoordinatorMessage>(new ListReaderFake<AgentMessage>(fromAgent), toAgent, null!, async (requests, responses, _) =>
        {
            await requests.MoveNext(CancellationToken.None);
            seen = requests.Current.Progress.Phase;
            await responses.WriteAsync(command);
        });

        // Assert: the agent's bytes, read by a 2.2 agent, name the action as text; what the handler built is unchanged.
        Assert.Equal(Phase.Health, seen);
        var sent = Assert.Single(toAgent.Written);
#pragma warning disable CS0612 // what a 2.2 agent reads
        Assert.Equal("restart", CoordinatorMessage.Parser.ParseFrom(sent.ToByteArray()).RunStep.Control.ActionText);
        Assert.Equal("", command.RunStep.Control.ActionText);
#pragma warning restore CS0612
    }

    [Fact]
    public void Completed_AgentsAndReleasesWithEnumsOnly_OlderAkdctlReadsTheWordsItAlwaysPrintedAndNewerReadsOlderText()
    {
        // Arrange: what the coordinator builds (enums only), and what an older coordinator sends (text only).
        var agents = new ListAgentsResponse { Agents = { new AgentInfo { Name = "web-1", State = AgentState.Online }, new AgentInfo { Name = "web-2", State = AgentState.Offline } } };
        var releases = new ListReleasesResponse { Hosts = { new HostReleases { Host = "web-1", State = HostAnswer.Ok }, new HostReleases { Host = "web-2", State = HostAnswer.Offline } } };
#pragma warning disable CS0612 // the text fields an older akdctl and coordinator read and write
        var older = new ListReleasesResponse { Hosts = { new HostReleases { Host = "web-3", StateText = "error" } } };

        // Act
        var sentAgents = ListAgentsResponse.Parser.ParseFrom(WireVocabulary.Completed(agents).ToByteArray());
        var sentReleases = ListReleasesResponse.Parser.ParseFrom(WireVocabulary.Completed(releases).ToByteArray());
        WireVocabulary.Complete(older);

        // Assert
        Assert.Equal(["online", "offline"], sentAgents.Agents.Select(a => a.StateText));
        Assert.Equal(["ok", "offline"], sentReleases.Hosts.Select(h => h.StateText));
        Assert.Equal(HostAnswer.Error, older.Hosts[0].State);
        Assert.False(WireVocabulary.TextOnly(sentAgents.Agents[0]).HasState);
        Assert.Equal("", agents.Agents[0].StateText);
#pragma warning restore CS0612
    }

    [Fact]
    public void Complete_KeptReleasesBetweenProtocol23And24_ResultWordsSurviveBothWaysAndUnknownWordsStayText()
    {
        // Arrange: what a 2.4 agent reads from revisions.log, and what a 2.3 agent sends (text only).
        var fromNew = new ReleasesOutput();
        foreach (var words in new[] { "hot-upgraded 0.1.0 -> 0.2.0", "rolled-back-unhealthy", "deployed by capistrano", "released by hand", "" })
        {
            var kept = new KeptRelease();
            kept.SetLastResult(words);
            fromNew.Releases.Add(kept);
        }

#pragma warning disable CS0612 // what a 2.3 agent writes and reads
        var fromOld = new AgentMessage { Result = new StepResult { Releases = new ReleasesOutput { Releases = { new KeptRelease { LastResultText = "hot-downgraded 0.2.0 -> 0.1.0" } } } } };

        // Act
        var sent = AgentMessage.Parser.ParseFrom(WireVocabulary.Completed(new AgentMessage { Result = new StepResult { Releases = fromNew } }).ToByteArray());
        WireVocabulary.Complete(fromOld);

        // Assert: a 2.3 reader gets the words; a 2.4 reader of a 2.3 agent gets the enum and the detail.
        Assert.Equal(["hot-upgraded 0.1.0 -> 0.2.0", "rolled-back-unhealthy", "deployed by capistrano", "released by hand", ""], sent.Result.Releases.Releases.Select(k => k.LastResultText));
        Assert.Equal(["hot-upgraded 0.1.0 -> 0.2.0", "rolled-back-unhealthy", "deployed by capistrano", "released by hand", ""], fromNew.Releases.Select(k => k.ResultWords()));
        Assert.Equal((RevisionResult.Deployed, "by capistrano"), (fromNew.Releases[2].LastResult, fromNew.Releases[2].LastResultDetail));
        Assert.False(fromNew.Releases[3].HasLastResult);
        var old = fromOld.Result.Releases.Releases[0];
        Assert.Equal((RevisionResult.HotDowngraded, "0.2.0 -> 0.1.0"), (old.LastResult, old.LastResultDetail));
#pragma warning restore CS0612
    }

#pragma warning disable CS0612 // a 2.2 build knows only the text fields
    private static Deployment OlderDeployment()
    {
        var d = new Deployment { Id = "d-1", StateText = "failed", KindText = "rollback" };
        d.Hosts.Add(new HostStatus { Host = "web-1", StepText = "rollback", StateText = "rolled-back" });
        d.Hosts.Add(new HostStatus { Host = "web-2", StepText = "rollback", StateText = "skipped" });
        return d;
    }
#pragma warning restore CS0612

    /// <summary>A fake request stream: the messages given, then its end.</summary>
    private sealed class ListReaderFake<T>(params T[] messages) : IAsyncStreamReader<T>
    {
        private int _next = -1;

        public T Current => messages[_next];

        public Task<bool> MoveNext(CancellationToken cancellationToken) => Task.FromResult(++_next < messages.Length);
    }

    /// <summary>A fake response stream that keeps what is written.</summary>
    private sealed class ListWriterFake<T> : IServerStreamWriter<T>
    {
        public List<T> Written { get; } = [];

        public WriteOptions? WriteOptions { get; set; }

        public Task WriteAsync(T message)
        {
            Written.Add(message);
            return Task.CompletedTask;
        }
    }
}
