using System.Threading.Channels;
using Akd.Contracts.V1;

namespace Akd.Agent.Connection;

/// <summary>
/// Messages waiting for the coordinator. They survive a dropped connection and are sent after the
/// reconnect, so a step that finishes while the link is down still reports its result.
/// </summary>
public sealed class Outbox
{
    private readonly Channel<AgentMessage> _queue = Channel.CreateUnbounded<AgentMessage>(new UnboundedChannelOptions { SingleReader = true });

    public ChannelReader<AgentMessage> Reader => _queue.Reader;

    public void Send(AgentMessage message) => _queue.Writer.TryWrite(message);
}
