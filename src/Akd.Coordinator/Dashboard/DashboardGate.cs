using Akd.Coordinator.Errors;
using Akd.Coordinator.Security;
using Grpc.Core;

namespace Akd.Coordinator.Dashboard;

/// <summary>A request the gate let through: its session and who signed in with it.</summary>
internal sealed record SignedIn(DashboardSession Session, Caller Caller);

/// <summary>
/// In front of every page and action: finds the session from its cookie, checks its token again (a
/// revoked or expired token ends the session at once), applies <see cref="DashboardAccess"/>, and for a
/// POST the anti-forgery token. Writes the redirect or refusal itself and returns null then.
/// </summary>
internal sealed partial class DashboardGate(DashboardSessions sessions, OperatorTokens tokens, ILogger<DashboardGate> logger)
{
    public async Task<SignedIn?> AuthorizeAsync(HttpContext context, string rpcMethod, CancellationToken ct)
    {
        var session = sessions.Find(context.Request.Cookies[DashboardCookies.Session]);
        var caller = session is null ? null : await CallerOfAsync(session, ct).ConfigureAwait(false);
        if (session is not null && caller is null)
        {
            sessions.End(session.Id);
            context.Response.Cookies.Delete(DashboardCookies.Session, DashboardCookies.Options(null));
        }

        switch (DashboardAccess.Decide(caller, rpcMethod))
        {
            case DashboardDecision.SignIn:
                if (HttpMethods.IsGet(context.Request.Method))
                {
                    context.Response.Redirect("/login");
                }
                else
                {
                    context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                }

                return null;
            case DashboardDecision.Forbidden:
                LogForbidden(caller!.Name, rpcMethod);
                await RefuseAsync(context, StatusCodes.Status403Forbidden, $"{caller} may not do this: it needs a token with a higher role.", ct).ConfigureAwait(false);
                return null;
        }

        if (HttpMethods.IsPost(context.Request.Method))
        {
            var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(ct).ConfigureAwait(false) : null;
            if (!DashboardAccess.CsrfMatches(session!.Csrf, form?[DashboardForms.CsrfField]))
            {
                LogCsrf(caller!.Name, context.Request.Path);
                await RefuseAsync(context, StatusCodes.Status403Forbidden, "The form is stale or was not sent by this dashboard; reload the page and try again.", ct)
                    .ConfigureAwait(false);
                return null;
            }
        }

        return new SignedIn(session!, caller!);
    }

    public static Task RefuseAsync(HttpContext context, int status, string message, CancellationToken ct)
    {
        context.Response.StatusCode = status;
        return DashboardResponses.WriteAsync(context, Layout.Bare("Refused", html => html
            .Element("h1", status == StatusCodes.Status403Forbidden ? "Not allowed" : "Refused")
            .Element("p", message, ("class", "error"))
            .Element("a", "Back to the dashboard", ("href", "/"))), ct);
    }

    private async Task<Caller?> CallerOfAsync(DashboardSession session, CancellationToken ct)
    {
        try
        {
            return await tokens.AuthenticateAsync(session.Token, ct).ConfigureAwait(false);
        }
        catch (UnauthenticatedException)
        {
            return null;
        }
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Dashboard: token '{Name}' was refused {Method} (role too low)")]
    private partial void LogForbidden(string name, string method);

    [LoggerMessage(EventId = 1401, Level = LogLevel.Warning, Message = "Dashboard: a POST to {Path} from token '{Name}' had no valid anti-forgery token")]
    private partial void LogCsrf(string name, string path);
}
