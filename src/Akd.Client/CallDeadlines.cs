namespace Akd.Client;

/// <summary>Deadlines of calls that are not streams: a hung coordinator must not hang a script or a step.</summary>
public static class CallDeadlines
{
    /// <summary>How long a short request (a listing, a lookup, an enrollment) may take.</summary>
    public static readonly TimeSpan ShortCall = TimeSpan.FromSeconds(30);

    /// <summary>The deadline of a short request started now.</summary>
    public static DateTime Short(TimeProvider? clock = null) => (clock ?? TimeProvider.System).GetUtcNow().UtcDateTime + ShortCall;
}
