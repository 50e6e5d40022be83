using Akd.Agent.Observability;
using Akd.Core.Metrics;
using Akd.Contracts.V1;
using Akd.Core.Processes;
using Google.Protobuf.WellKnownTypes;

namespace Akd.Agent.Reporting;

/// <summary>Sends one step's output lines and phases to the coordinator, stamped and timed on <paramref name="clock"/> (the system's by default).</summary>
public sealed class StepReporter(Outbox outbox, string stepId, AgentMetrics metrics, string kind, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly PhaseClock _phases = new(clock ?? TimeProvider.System);

    public string StepId => stepId;

    public void Log(string line) => Output(new OutputLine("agent", line));

    public void Output(OutputLine line) => outbox.Send(new AgentMessage
    {
        Log = new StepLog { StepId = stepId, Stream = line.Stream, Line = line.Text, At = Now() },
    });

    public void Phase(Phase phase, string message)
    {
        var text = phase.Text();
        EnterPhase(text);
        outbox.Send(new AgentMessage { Progress = new StepProgress { StepId = stepId, Phase = phase, Message = message, At = Now() } });
    }

    /// <summary>The step ended: its last phase ends with it.</summary>
    public void Finished() => EnterPhase(null);

    private void EnterPhase(string? phase)
    {
        lock (_phases)
        {
            if (_phases.Enter(phase) is { } ended)
            {
                metrics.PhaseEnded(kind, ended.Phase, ended.Elapsed);
            }
        }
    }

    private Timestamp Now() => Timestamp.FromDateTimeOffset(_clock.GetUtcNow());
}

/// <summary>A step failed for a reason the user can act on; the message is shown as is.</summary>
public sealed class StepFailedException(string message) : Exception(message);
