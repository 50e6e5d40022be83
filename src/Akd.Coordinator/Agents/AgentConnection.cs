using System.Threading.Channels;
using Akd.Contracts.V1;

namespace Akd.Coordinator.Agents;

/// <summary>One live stream from one agent. Messages to the agent are queued and written by a single writer.</summary>
public sealed class AgentConnection(AgentHello hello)
{
    public AgentHello Hello { get; } = hello;

    public string Name => Hello.Name;

    public IReadOnlyDictionary<string, string> Labels => Hello.Labels;

    public Channel<CoordinatorMessage> Outbox { get; } = Channel.CreateUnbounded<CoordinatorMessage>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Cancelled when a newer connection of the same agent replaces this one.</summary>
    public CancellationTokenSource Replaced { get; } = new();

    /// <summary>Steps running on this agent right now, so the least busy build agent can be picked.</summary>
    public int RunningSteps;

    public bool Send(CoordinatorMessage message) => Outbox.Writer.TryWrite(message);
}
