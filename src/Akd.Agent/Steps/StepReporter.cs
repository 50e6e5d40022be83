using Akd.Agent.Connection;
using Akd.Agent.Observability;
using Akd.Core.Metrics;
using Akd.Contracts.V1;
using Akd.Core.Processes;
using Google.Protobuf.WellKnownTypes;

namespace Akd.Agent.Steps;

/// <summary>Sends one step's output lines and phases to the coordinator, and times the phases.</summary>
public sealed class StepReporter(Outbox outbox, string stepId, AgentMetrics metrics, string kind)
{
    private readonly PhaseClock _phases = new(TimeProvider.System);

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
        outbox.Send(new AgentMessage { Progress = new StepProgress { StepId = stepId, Phase = text, Message = message, At = Now() } });
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

    private static Timestamp Now() => Timestamp.FromDateTime(DateTime.UtcNow);
}

/// <summary>A step failed for a reason the user can act on; the message is shown as is.</summary>
public sealed class StepFailedException(string message) : Exception(message);
