using System.Net;
using Akd.IntegrationTests.Fleet;
using OpenQA.Selenium;
using Xunit.Abstractions;

namespace Akd.Dashboard.Tests;

/// <summary>
/// The dashboard as people use it: headless chromium signs in with akdctl's tokens, a deployer deploys
/// examples/hello again and watches it reach succeeded on the live page, a viewer sees no button and
/// is refused when it forges the POST anyway. Screenshots go to TestResults/Akd.Dashboard.Tests/screenshots.
/// </summary>
public sealed class DashboardBrowserTests(DashboardFleet fleet, ITestOutputHelper output) : IClassFixture<DashboardFleet>, IDisposable
{
    private static readonly TimeSpan PageLoad = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Deployment = TimeSpan.FromMinutes(6);

    public void Dispose() => output.WriteLine(fleet.Logs());

    [Fact(Timeout = 600_000)]
    public async Task LivePage_DeployerDeploysAgainThenRollsBack_WatchesBothReachSucceeded()
    {
        await Task.Yield();

        // Arrange
        using var browser = new Browser(fleet.ServerCertificatePem);
        SignIn(browser, fleet.DeployerToken);
        var agents = browser.Driver.FindElements(By.CssSelector("#agents tbody tr")).Select(r => r.GetAttribute("data-agent")).ToList();
        browser.Screenshot("fleet");
        browser.Driver.Navigate().GoToUrl($"{fleet.DashboardUrl}/deployments/{fleet.FinishedDeployment}");
        browser.Driver.FindElement(By.Id("action-redeploy")).Click();
        var confirmation = browser.WaitFor(PageLoad, d => d.FindElement(By.Id("confirm-what")).Text, "the confirmation page");
        browser.Screenshot("deploy-again-confirmation");

        // Act: confirm; the dashboard starts the deployment and opens its live page while it builds.
        browser.Driver.FindElement(By.Id("confirm")).Click();
        browser.WaitFor(PageLoad, d => d.Url.Contains("/deployments/", StringComparison.Ordinal) && !d.Url.EndsWith("/redeploy", StringComparison.Ordinal) &&
            !d.Url.Contains(fleet.FinishedDeployment, StringComparison.Ordinal), "the new deployment's page");
        var newId = browser.Driver.Url[(browser.Driver.Url.LastIndexOf('/') + 1)..];
        var stateOnArrival = browser.Driver.FindElement(By.Id("state")).Text;
        browser.Driver.ExecuteScript("document.body.dataset.sameDocument = 'yes'");
        browser.Screenshot("live-running");
        var final = browser.WaitFor(Deployment, d =>
        {
            var state = d.FindElement(By.Id("state")).Text;
            return state is "succeeded" or "failed" or "cancelled" ? state : null;
        }, "the deployment to end on the live page");
        browser.WaitFor(PageLoad, d => d.FindElement(By.TagName("body")).GetAttribute("class")?.Contains("ended", StringComparison.Ordinal) == true, "the end event");
        browser.Screenshot("live-succeeded");

        // Assert
        Assert.Contains(fleet.BuildAgentName, agents);
        Assert.Contains(fleet.WebAgentName, agents);
        Assert.Contains("with the manifest and source of " + fleet.FinishedDeployment, confirmation, StringComparison.Ordinal);
        Assert.DoesNotContain(stateOnArrival, new[] { "succeeded", "failed", "cancelled" });
        Assert.Equal("succeeded", final);
        // The page was never reloaded: the server-sent events brought the state, the timeline and the log.
        Assert.Equal("yes", browser.Driver.ExecuteScript("return document.body.dataset.sameDocument"));
        Assert.Contains(fleet.BuildAgentName, browser.Driver.FindElement(By.Id("built-by")).Text, StringComparison.Ordinal);
        Assert.Equal("0.1.0", browser.Driver.FindElement(By.Id("version")).Text);
        Assert.NotEqual("-", browser.Driver.FindElement(By.Id("ended")).Text);
        Assert.Empty(browser.Driver.FindElements(By.Id("action-cancel")));
        var webLane = browser.Driver.FindElements(By.CssSelector("#timeline section")).Single(s => s.GetAttribute("data-host") == fleet.WebAgentName);
        Assert.Contains(webLane.FindElements(By.TagName("li")), li => li.Text.Contains("activate succeeded", StringComparison.Ordinal));
        Assert.Contains(browser.Driver.FindElements(By.CssSelector("#timeline section")), s => s.GetAttribute("data-host") == fleet.BuildAgentName);
        Assert.Contains(browser.Driver.FindElements(By.CssSelector("#hosts tbody tr")),
            r => r.GetAttribute("data-key") == $"{fleet.WebAgentName}/activate" && r.Text.Contains("succeeded", StringComparison.Ordinal));
        Assert.NotEmpty(browser.Driver.FindElement(By.Id("log")).Text);
        Assert.NotEqual(fleet.FinishedDeployment, newId);

        // Act: once it ended, the reloaded page offers a rollback; confirm it and follow it to its end.
        browser.Driver.Navigate().Refresh();
        browser.Driver.FindElement(By.Id("action-rollback")).Click();
        browser.WaitFor(PageLoad, d => d.FindElement(By.Id("confirm")), "the rollback confirmation").Click();
        browser.WaitFor(PageLoad, d => !d.Url.Contains(newId, StringComparison.Ordinal), "the rollback's page");
        var rollback = browser.WaitFor(Deployment, d =>
        {
            var state = d.FindElement(By.Id("state")).Text;
            return state is "succeeded" or "failed" or "cancelled" ? state : null;
        }, "the rollback to end on the live page");
        var heading = browser.Driver.FindElement(By.TagName("h1")).Text;
        browser.Screenshot("rollback-succeeded");

        // Assert
        Assert.Equal("succeeded", rollback);
        Assert.Contains("rollback", heading, StringComparison.Ordinal);
    }

    [Fact(Timeout = 300_000)]
    public async Task DeploymentPage_Viewer_SeesNoDeployButton_AndItsForgedPostIsRefused()
    {
        // Arrange
        using var browser = new Browser(fleet.ServerCertificatePem);
        SignIn(browser, fleet.ViewerToken);
        var before = await fleet.DeploymentCountAsync();
        browser.Driver.Navigate().GoToUrl($"{fleet.DashboardUrl}/deployments/{fleet.FinishedDeployment}");
        var state = browser.Driver.FindElement(By.Id("state")).Text;
        var buttons = browser.Driver.FindElements(By.CssSelector(".action")).Count;
        browser.Screenshot("viewer-deployment");

        // Act: the POST a deploy-again form would send, with the viewer's own valid anti-forgery token (from its sign-out form).
        var status = browser.Driver.ExecuteAsyncScript(
            """
            const done = arguments[arguments.length - 1];
            const csrf = document.querySelector('input[name=csrf]').value;
            fetch(arguments[0], { method: 'POST', credentials: 'same-origin',
                headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'csrf=' + encodeURIComponent(csrf) })
              .then(r => done(r.status), e => done('error: ' + e));
            """, $"/deployments/{fleet.FinishedDeployment}/redeploy");
        browser.Driver.Navigate().GoToUrl($"{fleet.DashboardUrl}/deployments/{fleet.FinishedDeployment}/redeploy");
        var confirmPage = browser.Driver.FindElement(By.TagName("h1")).Text;
        browser.Screenshot("viewer-refused");
        var after = await fleet.DeploymentCountAsync();
        browser.Driver.Navigate().GoToUrl($"{fleet.DashboardUrl}/deployments?app=hello&result=succeeded");
        var succeeded = browser.Driver.FindElements(By.CssSelector("#deployments tbody tr")).Select(r => r.GetAttribute("data-deployment")).ToList();
        browser.Driver.Navigate().GoToUrl($"{fleet.DashboardUrl}/deployments?app=hello&result=failed");
        var failed = browser.Driver.FindElements(By.CssSelector("#deployments tbody tr")).Count;
        browser.Driver.Navigate().GoToUrl($"{fleet.DashboardUrl}/releases?app=hello");
        var webReleases = browser.WaitFor(PageLoad, d => d.FindElements(By.CssSelector("section.host-releases"))
            .Single(s => s.GetAttribute("data-host") == fleet.WebAgentName), "the web host's releases");
        var current = webReleases.FindElement(By.CssSelector("dd.current")).Text;
        browser.Screenshot("viewer-releases");

        // Assert
        Assert.Equal("succeeded", state);
        Assert.Equal(0, buttons);
        Assert.Equal(403L, status);
        Assert.Equal("Not allowed", confirmPage);
        Assert.Equal(before, after);
        Assert.Contains(fleet.FinishedDeployment, succeeded);
        Assert.Equal(0, failed);
        Assert.StartsWith("0.1.0-", current, StringComparison.Ordinal);
    }

    [Fact(Timeout = 120_000)]
    public async Task SignIn_WrongToken_StaysOnTheLoginForm_OnAPhoneSizedScreen()
    {
        // Arrange
        using var browser = new Browser(fleet.ServerCertificatePem, width: 390, height: 844);
        using var http = Http();

        // Act
        browser.Driver.Navigate().GoToUrl($"{fleet.DashboardUrl}/deployments");
        var redirectedTo = new Uri(browser.Driver.Url).AbsolutePath;
        browser.Driver.FindElement(By.Id("token")).SendKeys("akdt1.0000000000000000.not-a-real-secret");
        browser.Driver.FindElement(By.Id("sign-in")).Click();
        var error = browser.WaitFor(PageLoad, d => d.FindElement(By.Id("login-error")).Text, "the sign-in error");
        browser.Screenshot("login-refused-phone");
        using var page = await http.GetAsync(new Uri($"{fleet.DashboardUrl}/login"));
        using var api = await http.GetAsync(new Uri($"{fleet.Fleet.CoordinatorUrl}/login"));

        // Assert
        Assert.Equal("/login", redirectedTo);
        Assert.Equal("the token was not accepted", error);
        Assert.DoesNotContain(browser.Driver.Manage().Cookies.AllCookies, c => c.Name == "__Host-akd-session");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'",
            string.Join("", page.Headers.GetValues("Content-Security-Policy")));
        Assert.DoesNotContain("<script>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
    }

    private void SignIn(Browser browser, string token)
    {
        browser.Driver.Navigate().GoToUrl($"{fleet.DashboardUrl}/login");
        browser.Driver.FindElement(By.Id("token")).SendKeys(token);
        browser.Driver.FindElement(By.Id("sign-in")).Click();
        browser.WaitFor(PageLoad, d => d.FindElement(By.TagName("h1")).Text == "Fleet", "the fleet page after sign-in");
    }

    /// <summary>An HTTP client that trusts the fleet's CA only (the API's port speaks HTTP/2 only).</summary>
    private HttpClient Http()
    {
        var ca = System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(File.ReadAllText(fleet.Fleet.CaFile));
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            using var chain = new System.Security.Cryptography.X509Certificates.X509Chain();
            chain.ChainPolicy.TrustMode = System.Security.Cryptography.X509Certificates.X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = System.Security.Cryptography.X509Certificates.X509RevocationMode.NoCheck;
            return certificate is System.Security.Cryptography.X509Certificates.X509Certificate2 c && chain.Build(c);
        };
        return new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
    }
}
