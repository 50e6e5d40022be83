using Akd.Coordinator.Security;

namespace Akd.Coordinator.Dashboard;

/// <summary>The page shell: one stylesheet, one deferred script (no inline script anywhere), a nav bar and the sign-out form.</summary>
internal static class Layout
{
    public const string CssPath = "/static/dashboard.css";
    public const string JsPath = "/static/dashboard.js";

    /// <summary>A page for a signed-in operator; <paramref name="body"/> writes what goes inside &lt;main&gt;.</summary>
    public static string Page(string title, DashboardSession session, Caller caller, Action<Html> body)
    {
        var html = Start(title);
        html.Open("header").Open("nav")
            .Element("a", "Akd", ("href", "/"), ("class", "brand"))
            .Element("a", "Fleet", ("href", "/"))
            .Element("a", "Deployments", ("href", "/deployments"))
            .Element("a", "Releases", ("href", "/releases"))
            .Open("span", ("class", "who")).Text($"{caller.Name} ({caller.Role?.ToString().ToLowerInvariant()})").Close("span")
            .Open("form", ("method", "post"), ("action", "/logout"), ("class", "inline"));
        CsrfField(html, session);
        html.Element("button", "Sign out", ("type", "submit"), ("id", "sign-out")).Close("form")
            .Close("nav").Close("header");
        html.Open("main");
        body(html);
        return End(html);
    }

    /// <summary>A page outside a session (the login form, a refusal).</summary>
    public static string Bare(string title, Action<Html> body)
    {
        var html = Start(title);
        html.Open("main", ("class", "narrow"));
        body(html);
        return End(html);
    }

    public static void CsrfField(Html html, DashboardSession session) =>
        html.Void("input", ("type", "hidden"), ("name", DashboardForms.CsrfField), ("value", session.Csrf));

    private static Html Start(string title) => new Html()
        .Open("html", ("lang", "en")).Open("head")
        .Void("meta", ("charset", "utf-8"))
        .Void("meta", ("name", "viewport"), ("content", "width=device-width, initial-scale=1"))
        .Element("title", $"{title} · Akd")
        .Void("link", ("rel", "stylesheet"), ("href", CssPath))
        .Element("script", "", ("src", JsPath), ("defer", "defer"))
        .Close("head").Open("body");

    private static string End(Html html) => "<!doctype html>\n" + html.Close("main").Close("body").Close("html");
}
