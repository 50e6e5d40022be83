using Akd.Contracts.V1;
using Akd.Coordinator.Agents;

namespace Akd.Coordinator.Tests.Agents;

/// <summary>
/// FAKE agent, in process: it connects to the registry the way AgentHubService does for a real agent's
/// gRPC stream, reads what the coordinator sends it from the connection's outbox, and answers through
/// <see cref="AgentRegistry.Dispatch"/>, as the stream's reader does. What it answers is up to the test.
/// </summary>
internal sealed class FakeAgent(AgentRegistry registry, string name, params string[] labels)
{
    public string Name => name;

    public AgentConnection? Connection { get; private set; }

    /// <summary>Connects (or reconnects, naming the steps it is still running, as a restarted stream does).</summary>
    public AgentConnection Connect(params string[] runningStepIds) => Connect(runningStepIds, []);

    /// <summary>Connects naming the steps it runs and those whose result it keeps unacknowledged (and resends).</summary>
    public AgentConnection Connect(IEnumerable<string> runningStepIds, IEnumerable<string> unacknowledgedStepIds)
    {
        // Labels come from the enrollment record, never from the agent: the hub writes them into the hello it keeps.
        var hello = new AgentHello { Name = name, AgentVersion = "fake" };
        var enrolledLabels = labels.ToDictionary(label => label.Split('=')[0], label => label.Split('=')[1], StringComparer.Ordinal);
        hello.Labels.Add(enrolledLabels);
        hello.RunningStepIds.AddRange(runningStepIds);
        hello.UnacknowledgedStepIds.AddRange(unacknowledgedStepIds);
        Connection = new AgentConnection(hello, enrolledLabels);
        registry.Connected(Connection);
        return Connection;
    }

    /// <summary>The stream drops: the coordinator's side of it ends.</summary>
    public void Drop() => registry.Disconnected(Connection ?? throw new InvalidOperationException($"{name} is not connected"));

    /// <summary>The next message the coordinator sent to this connection.</summary>
    public async Task<CoordinatorMessage> ReceiveAsync(CancellationToken ct) =>
        await (Connection ?? throw new InvalidOperationException($"{name} is not connected")).Outbox.Reader.ReadAsync(ct);

    /// <summary>
    /// The next step the coordinator asked for, past acknowledgements of earlier results (they are kept in
    /// <see cref="Acknowledged"/>): any other message first fails the test.
    /// </summary>
    public async Task<StepCommand> ReceiveStepAsync(CancellationToken ct)
    {
        while (true)
        {
            var message = await ReceiveAsync(ct);
            if (message.BodyCase == CoordinatorMessage.BodyOneofCase.ResultAck)
            {
                Acknowledged.Add(message.ResultAck.StepId);
                continue;
            }

            Assert.Equal(CoordinatorMessage.BodyOneofCase.RunStep, message.BodyCase);
            return message.RunStep;
        }
    }

    /// <summary>Step ids whose result the coordinator acknowledged, as <see cref="ReceiveStepAsync"/> read past them.</summary>
    public List<string> Acknowledged { get; } = [];

    /// <summary>Messages already sent and not read yet.</summary>
    public List<CoordinatorMessage> Pending()
    {
        var pending = new List<CoordinatorMessage>();
        while (Connection is not null && Connection.Outbox.Reader.TryRead(out var message))
        {
            pending.Add(message);
        }

        return pending;
    }

    public void Answer(StepResult result) => registry.Dispatch(new AgentMessage { Result = result });

    public void Log(string stepId, string line) => registry.Dispatch(new AgentMessage { Log = new StepLog { StepId = stepId, Stream = "stdout", Line = line } });
}
