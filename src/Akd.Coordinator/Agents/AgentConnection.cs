using System.Threading.Channels;
using Akd.Contracts.V1;

namespace Akd.Coordinator.Agents;

/// <summary>One live stream from one agent. Messages to the agent are queued and written by a single writer.</summary>
public sealed class AgentConnection(AgentHello hello, IReadOnlyDictionary<string, string> labels)
{
    public AgentHello Hello { get; } = hello;

    public string Name => Hello.Name;

    /// <summary>From the agent's enrollment (never its hello); replaced whole when an admin relabels it.</summary>
    public IReadOnlyDictionary<string, string> Labels { get; set; } = labels;

    public Channel<CoordinatorMessage> Outbox { get; } = Channel.CreateUnbounded<CoordinatorMessage>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Cancelled when a newer connection of the same agent replaces this one, or the agent is revoked or removed.</summary>
    public CancellationTokenSource Replaced { get; } = new();

    /// <summary>Steps running on this agent right now, so the least busy build agent can be picked.</summary>
    public int RunningSteps;

    /// <summary>Closed by the coordinator's stop (<see cref="AgentRegistry.CloseAll"/>): the stop marks it offline with all the others.</summary>
    public bool ClosedByStop { get; set; }

    public bool Send(CoordinatorMessage message) => Outbox.Writer.TryWrite(message);
}
