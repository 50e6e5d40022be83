using Akd.Coordinator.Errors;
using Akd.Coordinator.Security;
using Grpc.Core;

namespace Akd.Coordinator.Dashboard;

/// <summary>
/// Sign-in with an operator token (the same tokens akdctl uses) and sign-out. The token is checked like
/// an API call's; the browser gets an HttpOnly, Secure, SameSite=Strict cookie holding a random session id.
/// </summary>
internal static partial class LoginEndpoints
{
    public static void Map(RouteGroupBuilder group)
    {
        group.MapGet("/login", (HttpContext context, DashboardSessions sessions) =>
        {
            if (sessions.Find(context.Request.Cookies[DashboardCookies.Session]) is not null)
            {
                context.Response.Redirect("/");
                return Task.CompletedTask;
            }

            return WriteFormAsync(context, error: null, context.RequestAborted);
        });

        group.MapPost("/login", async (HttpContext context, DashboardSessions sessions, OperatorTokens tokens, ILogger<DashboardSessions> logger) =>
        {
            var ct = context.RequestAborted;
            var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(ct).ConfigureAwait(false) : null;
            if (!DashboardAccess.CsrfMatches(context.Request.Cookies[DashboardCookies.Login], form?[DashboardForms.CsrfField]))
            {
                context.Response.StatusCode = StatusCodes.Status403Forbidden;
                await WriteFormAsync(context, "The sign-in form was stale or not sent by this dashboard; try again.", ct).ConfigureAwait(false);
                return;
            }

            var token = form![DashboardForms.TokenField].ToString().Trim();
            Caller caller;
            try
            {
                caller = await tokens.AuthenticateAsync(token, ct).ConfigureAwait(false);
            }
            catch (UnauthenticatedException ex)
            {
                LogRefused(logger);
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                await WriteFormAsync(context, ex.Message, ct).ConfigureAwait(false);
                return;
            }

            var session = sessions.Start(token);
            context.Response.Cookies.Delete(DashboardCookies.Login, DashboardCookies.Options(null));
            context.Response.Cookies.Append(DashboardCookies.Session, session.Id, DashboardCookies.Options(session.ExpiresAt));
            LogSignedIn(logger, caller.Name, caller.Role?.ToString().ToLowerInvariant() ?? "");
            context.Response.StatusCode = StatusCodes.Status303SeeOther;
            context.Response.Headers.Location = "/";
        });

        group.MapPost("/logout", async (HttpContext context, DashboardGate gate, DashboardSessions sessions) =>
        {
            if (await gate.AuthorizeAsync(context, DashboardAccess.ListAgents, context.RequestAborted).ConfigureAwait(false) is not { } signedIn)
            {
                return;
            }

            sessions.End(signedIn.Session.Id);
            context.Response.Cookies.Delete(DashboardCookies.Session, DashboardCookies.Options(null));
            context.Response.StatusCode = StatusCodes.Status303SeeOther;
            context.Response.Headers.Location = "/login";
        });
    }

    private static Task WriteFormAsync(HttpContext context, string? error, CancellationToken ct)
    {
        var csrf = DashboardSessions.NewSecret();
        context.Response.Cookies.Append(DashboardCookies.Login, csrf, DashboardCookies.Options(null));
        return DashboardResponses.WriteAsync(context, Layout.Bare("Sign in", html =>
        {
            html.Element("h1", "Akd: sign in");
            if (error is not null)
            {
                html.Element("p", error, ("class", "error"), ("id", "login-error"));
            }

            html.Open("form", ("method", "post"), ("action", "/login"), ("class", "stack"))
                .Void("input", ("type", "hidden"), ("name", DashboardForms.CsrfField), ("value", csrf))
                .Element("label", "Operator token", ("for", "token"))
                .Void("input", ("type", "password"), ("id", "token"), ("name", DashboardForms.TokenField), ("autocomplete", "off"), ("required", "required"))
                .Element("p", "The token of akdctl (akdctl tokens create NAME --role viewer|deployer|admin); it stays on the coordinator.", ("class", "hint"))
                .Element("button", "Sign in", ("type", "submit"), ("id", "sign-in"))
                .Close("form");
        }), ct);
    }

    [LoggerMessage(EventId = 1402, Level = LogLevel.Information, Message = "Dashboard: token '{Name}' ({Role}) signed in")]
    private static partial void LogSignedIn(ILogger logger, string name, string role);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Dashboard: a sign-in was refused")]
    private static partial void LogRefused(ILogger logger);
}
