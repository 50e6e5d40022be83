using System.Text;
using Akd.Coordinator.Dashboard;
using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Akd.Coordinator.Tests.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Dashboard;

/// <summary>The gate with real operator tokens in a real SQLite store, and real HTTP contexts.</summary>
public sealed class DashboardGateTests : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly OperatorTokens _tokens;
    private readonly DashboardSessions _sessions;
    private readonly DashboardGate _gate;

    public DashboardGateTests()
    {
        _tokens = new OperatorTokens(new OperatorTokenStore(_db.Database), Options.Create(new CoordinatorOptions { DataDir = _db.Dir }),
            TimeProvider.System, NullLogger<OperatorTokens>.Instance);
        _sessions = new DashboardSessions(Options.Create(new DashboardOptions()), TimeProvider.System);
        _gate = new DashboardGate(_sessions, _tokens, NullLogger<DashboardGate>.Instance);
    }

    public void Dispose() => _db.Dispose();

    [Fact(Timeout = 10_000)]
    public async Task AuthorizeAsync_GetWithoutCookie_RedirectsToLogin()
    {
        // Arrange
        var context = Request("GET", session: null);

        // Act
        var signedIn = await _gate.AuthorizeAsync(context, DashboardAccess.ListAgents, CancellationToken.None);

        // Assert
        Assert.Null(signedIn);
        Assert.Equal(StatusCodes.Status302Found, context.Response.StatusCode);
        Assert.Equal("/login", context.Response.Headers.Location.ToString());
    }

    [Fact(Timeout = 10_000)]
    public async Task AuthorizeAsync_ViewerPostsADeployWithItsValidCsrf_Is403()
    {
        // Arrange
        var session = await SignInAsync("eve", Role.Viewer);
        var context = Request("POST", session, csrf: session.Csrf);

        // Act
        var signedIn = await _gate.AuthorizeAsync(context, DashboardAccess.Deploy, CancellationToken.None);

        // Assert
        Assert.Null(signedIn);
        Assert.Equal(StatusCodes.Status403Forbidden, context.Response.StatusCode);
        Assert.Contains("token &#x27;eve&#x27; (viewer) may not do this", Body(context), StringComparison.Ordinal);
    }

    [Fact(Timeout = 10_000)]
    public async Task AuthorizeAsync_DeployerPostWithoutOrWithAWrongCsrf_Is403()
    {
        // Arrange
        var session = await SignInAsync("dan", Role.Deployer);
        var missing = Request("POST", session, csrf: null);
        var wrong = Request("POST", session, csrf: DashboardSessions.NewSecret());

        // Act
        var withoutCsrf = await _gate.AuthorizeAsync(missing, DashboardAccess.Deploy, CancellationToken.None);
        var withWrongCsrf = await _gate.AuthorizeAsync(wrong, DashboardAccess.Deploy, CancellationToken.None);

        // Assert
        Assert.Null(withoutCsrf);
        Assert.Null(withWrongCsrf);
        Assert.Equal(StatusCodes.Status403Forbidden, missing.Response.StatusCode);
        Assert.Equal(StatusCodes.Status403Forbidden, wrong.Response.StatusCode);
    }

    [Fact(Timeout = 10_000)]
    public async Task AuthorizeAsync_DeployerPostWithItsCsrf_PassesWithItsName()
    {
        // Arrange
        var session = await SignInAsync("dan", Role.Deployer);
        var context = Request("POST", session, csrf: session.Csrf);

        // Act
        var signedIn = await _gate.AuthorizeAsync(context, DashboardAccess.Rollback, CancellationToken.None);

        // Assert
        Assert.NotNull(signedIn);
        Assert.Equal("dan", signedIn.Caller.Name);
        Assert.Equal(Role.Deployer, signedIn.Caller.Role);
    }

    [Fact(Timeout = 10_000)]
    public async Task AuthorizeAsync_TokenRevokedAfterSignIn_EndsTheSessionAtOnce()
    {
        // Arrange
        var session = await SignInAsync("ada", Role.Admin);
        await _tokens.RevokeAsync("ada", "test", CancellationToken.None);
        var context = Request("GET", session);

        // Act
        var signedIn = await _gate.AuthorizeAsync(context, DashboardAccess.ListAgents, CancellationToken.None);

        // Assert
        Assert.Null(signedIn);
        Assert.Equal("/login", context.Response.Headers.Location.ToString());
        Assert.Null(_sessions.Find(session.Id));
        Assert.Contains(DashboardCookies.Session + "=;", context.Response.Headers.SetCookie.ToString(), StringComparison.Ordinal);
    }

    private async Task<DashboardSession> SignInAsync(string name, Role role)
    {
        var (token, _) = await _tokens.CreateAsync(name, role, null, "test", CancellationToken.None);
        return _sessions.Start(token);
    }

    private static DefaultHttpContext Request(string method, DashboardSession? session, string? csrf = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Response.Body = new MemoryStream();
        if (session is not null)
        {
            context.Request.Headers.Cookie = $"{DashboardCookies.Session}={session.Id}";
        }

        if (method == "POST")
        {
            var form = csrf is null ? "other=1" : $"{DashboardForms.CsrfField}={Uri.EscapeDataString(csrf)}";
            context.Request.ContentType = "application/x-www-form-urlencoded";
            context.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(form));
        }

        return context;
    }

    private static string Body(HttpContext context) => Encoding.UTF8.GetString(((MemoryStream)context.Response.Body).ToArray());
}
