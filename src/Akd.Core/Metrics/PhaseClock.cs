namespace Akd.Core.Metrics;

/// <summary>
/// Times the phases one host reports during one step: a phase lasts from its progress event until the
/// next phase starts or the step ends. Not thread-safe; the caller serialises calls.
/// </summary>
public sealed class PhaseClock(TimeProvider clock)
{
    private string? _phase;
    private long _since;

    /// <summary>Enters <paramref name="phase"/> (null: the step ended); returns the phase that ended, if any.</summary>
    public (string Phase, TimeSpan Elapsed)? Enter(string? phase)
    {
        if (phase == _phase)
        {
            return null;
        }

        var now = clock.GetTimestamp();
        (string, TimeSpan)? ended = _phase is null ? null : (_phase, clock.GetElapsedTime(_since, now));
        _phase = string.IsNullOrEmpty(phase) ? null : phase;
        _since = now;
        return ended;
    }
}
