using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Akd.Contracts.V1;
using Akd.Core.Files;
using Google.Protobuf;

namespace Akd.Agent.Reporting;

/// <summary>
/// Messages waiting for the coordinator. They survive a dropped connection and are sent after the
/// reconnect, so a step that finishes while the link is down still reports its result. A step's
/// result is also written to disk before it is queued, and kept until the coordinator acknowledges
/// it: a coordinator that restarted, or an agent that did, still learns what the step did.
/// </summary>
public sealed class Outbox
{
    private readonly Channel<AgentMessage> _queue = Channel.CreateUnbounded<AgentMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly string? _results;

    /// <summary>An outbox that keeps results in memory only (tests of steps that do not need them kept).</summary>
    public Outbox()
    {
    }

    /// <param name="resultsDirectory">Where unacknowledged results are kept, one file per step (<c>&lt;data-dir&gt;/results</c>).</param>
    public Outbox(string resultsDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(resultsDirectory);
        _results = resultsDirectory;
        Directory.CreateDirectory(resultsDirectory);
    }

    public ChannelReader<AgentMessage> Reader => _queue.Reader;

    public void Send(AgentMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.BodyCase == AgentMessage.BodyOneofCase.Result && _results is not null)
        {
            DurableFile.Write(PathOf(message.Result.StepId), message.Result.ToByteArray(), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _queue.Writer.TryWrite(message);
    }

    /// <summary>
    /// Queues a result that is not kept: a ping's, which nothing waits for after a reconnect. Kept, each ping cost a
    /// synced file write and, on its ack, a delete; since protocol 2.5 the coordinator sends no ack for a ping's result.
    /// </summary>
    public void SendUnkept(AgentMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        _queue.Writer.TryWrite(message);
    }

    /// <summary>Steps whose result is kept and not yet acknowledged by the coordinator.</summary>
    public IReadOnlyList<string> UnacknowledgedStepIds => Kept().Select(r => r.StepId).ToList();

    /// <summary>Queues every kept result again: called when a session starts, so a coordinator that missed them (or restarted) gets them.</summary>
    public int ResendUnacknowledged()
    {
        var kept = Kept();
        foreach (var result in kept)
        {
            _queue.Writer.TryWrite(new AgentMessage { Result = result });
        }

        return kept.Count;
    }

    /// <summary>The coordinator has the result of <paramref name="stepId"/>: its copy is deleted.</summary>
    public void Acknowledged(string stepId)
    {
        if (_results is not null)
        {
            File.Delete(PathOf(stepId));
        }
    }

    private List<StepResult> Kept()
    {
        if (_results is null || !Directory.Exists(_results))
        {
            return [];
        }

        var kept = new List<(DateTime At, StepResult Result)>();
        foreach (var file in Directory.EnumerateFiles(_results, "*.result"))
        {
            try
            {
                kept.Add((File.GetLastWriteTimeUtc(file), StepResult.Parser.ParseFrom(File.ReadAllBytes(file))));
            }
            catch (Exception ex) when (ex is IOException or InvalidProtocolBufferException)
            {
                // Deleted by an ack meanwhile, or unreadable: DurableFile never leaves a torn file, so the latter is not ours.
            }
        }

        return kept.OrderBy(k => k.At).Select(k => k.Result).ToList();
    }

    /// <summary>Step ids come from the coordinator: the file is named by their hash, never by the id itself.</summary>
    private string PathOf(string stepId) =>
        Path.Join(_results, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(stepId))) + ".result");
}
