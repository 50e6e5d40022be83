using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Akd.Core.Metrics;

/// <summary>
/// The instruments the coordinator and the agents both keep (steps by result, step and phase durations,
/// artifact bytes), named with the process's prefix (<c>akd_</c>, <c>akd_agent_</c>) so a dashboard can
/// put one host's view beside the fleet's.
/// </summary>
public sealed class StepInstruments
{
    /// <summary>Buckets for step and phase durations: a health check takes seconds, a cold build many minutes.</summary>
    public static readonly double[] DurationBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

    private readonly Counter<long> _steps;
    private readonly Histogram<double> _stepDuration;
    private readonly Histogram<double> _phaseDuration;
    private readonly Counter<long> _artifactBytes;

    /// <param name="meter">The process's meter.</param>
    /// <param name="prefix">Prepended to every instrument's name.</param>
    /// <param name="where">Who the instruments speak for, in their descriptions ("agents", "this agent").</param>
    public StepInstruments(Meter meter, string prefix, string where)
    {
        StepDurationName = prefix + "step_duration";
        PhaseDurationName = prefix + "phase_duration";
        _steps = meter.CreateCounter<long>(prefix + "steps", description: $"Steps run on {where}, by step and result.");
        _stepDuration = meter.CreateHistogram<double>(StepDurationName, "s", $"How long one step took on {where}, by step and result.");
        _phaseDuration = meter.CreateHistogram<double>(PhaseDurationName, "s", $"How long {where} spent in one phase of a step (download, unpack, switch, health...).");
        _artifactBytes = meter.CreateCounter<long>(prefix + "artifact", "By", "Artifact bytes received (direction=in) and sent (direction=out), by source (coordinator, peer).");
    }

    /// <summary>The step duration histogram's name, for a bucket view.</summary>
    public string StepDurationName { get; }

    /// <summary>The phase duration histogram's name, for a bucket view.</summary>
    public string PhaseDurationName { get; }

    public void StepEnded(string step, string result, TimeSpan elapsed)
    {
        var tags = new TagList { { "step", step }, { "result", result } };
        _steps.Add(1, tags);
        _stepDuration.Record(elapsed.TotalSeconds, tags);
    }

    public void PhaseEnded(string step, string phase, TimeSpan elapsed) =>
        _phaseDuration.Record(elapsed.TotalSeconds, new("step", step), new("phase", phase));

    public void ArtifactBytes(string direction, long bytes) => ArtifactBytes(direction, bytes, "coordinator");

    /// <param name="source">Where received bytes came from, or whom sent ones went to: "coordinator" or "peer".</param>
    public void ArtifactBytes(string direction, long bytes, string source) =>
        _artifactBytes.Add(bytes, new("direction", direction), new("source", source));
}
