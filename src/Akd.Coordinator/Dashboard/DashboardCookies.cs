namespace Akd.Coordinator.Dashboard;

/// <summary>
/// The dashboard's two cookies. <c>__Host-</c> makes the browser insist on Secure, Path=/ and no Domain;
/// HttpOnly keeps scripts away from them; SameSite=Strict keeps other sites' requests from carrying them.
/// </summary>
internal static class DashboardCookies
{
    /// <summary>The session id after sign-in.</summary>
    public const string Session = "__Host-akd-session";

    /// <summary>Before sign-in: the login form's anti-forgery value (double submit), so no other site can sign a browser in.</summary>
    public const string Login = "__Host-akd-login";

    public static CookieOptions Options(DateTimeOffset? expires) => new()
    {
        HttpOnly = true,
        Secure = true,
        SameSite = SameSiteMode.Strict,
        Path = "/",
        Expires = expires,
        IsEssential = true,
    };
}
