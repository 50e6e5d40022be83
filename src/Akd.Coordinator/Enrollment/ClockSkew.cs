namespace Akd.Coordinator.Enrollment;

/// <summary>
/// Issued certificates start a little in the past, so a host whose clock lags accepts them; a tenth of
/// the lifetime at most, so a short-lived certificate is not due for renewal the moment it is issued.
/// </summary>
internal static class ClockSkew
{
    private static readonly TimeSpan Most = TimeSpan.FromMinutes(1);

    public static TimeSpan Allowance(TimeSpan lifetime) => lifetime / 10 < Most ? lifetime / 10 : Most;
}
