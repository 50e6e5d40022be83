using System.Security.Cryptography;
using System.Text;
using Akd.Coordinator.Security;

namespace Akd.Coordinator.Dashboard;

/// <summary>What the dashboard does with a request, once it knows who sent it.</summary>
internal enum DashboardDecision
{
    Allowed,

    /// <summary>Nobody signed in (or the session's token no longer works): to the login form.</summary>
    SignIn,

    /// <summary>Signed in, but the role does not allow it: 403, as the API answers PERMISSION_DENIED.</summary>
    Forbidden,
}

/// <summary>
/// The dashboard's rules are the API's: every page and action names the RPC it stands for, and
/// <see cref="RpcPolicy"/> decides, so a viewer sees in a browser exactly what akdctl would show it.
/// </summary>
internal static class DashboardAccess
{
    public const string ListAgents = "/akd.v1.Control/ListAgents";
    public const string ListDeployments = "/akd.v1.Control/ListDeployments";
    public const string GetDeployment = "/akd.v1.Control/GetDeployment";
    public const string WatchDeployment = "/akd.v1.Control/WatchDeployment";
    public const string ListReleases = "/akd.v1.Control/ListReleases";
    public const string Deploy = "/akd.v1.Control/Deploy";
    public const string Rollback = "/akd.v1.Control/Rollback";
    public const string Cancel = "/akd.v1.Control/CancelDeployment";

    public static DashboardDecision Decide(Caller? caller, string rpcMethod)
    {
        if (caller is null || caller.Kind != CallerKind.Operator)
        {
            return DashboardDecision.SignIn;
        }

        return RpcPolicy.For(rpcMethod)?.Allows(caller) == true ? DashboardDecision.Allowed : DashboardDecision.Forbidden;
    }

    /// <summary>True when the caller may take <paramref name="rpcMethod"/>: whether the page shows its button at all.</summary>
    public static bool May(Caller caller, string rpcMethod) => Decide(caller, rpcMethod) == DashboardDecision.Allowed;

    /// <summary>The form's anti-forgery token against the one expected, in constant time; a missing one never matches.</summary>
    public static bool CsrfMatches(string? expected, string? presented) =>
        !string.IsNullOrEmpty(expected) && !string.IsNullOrEmpty(presented) &&
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(presented));
}
