using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akd.IntegrationTests.Fleet;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using OpenQA.Selenium.Support.UI;

namespace Akd.Dashboard.Tests;

/// <summary>
/// Debian's chromium, headless, driven by Debian's chromium-driver (both from scripts/setup.sh). It trusts
/// exactly the coordinator's server certificate (by its public key), not every certificate.
/// </summary>
internal sealed class Browser : IDisposable
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string DriverPath = "/usr/bin/chromedriver";
    private readonly string _profile = Directory.CreateTempSubdirectory("akd-chromium-").FullName;

    public Browser(string serverCertificatePem, int width = 1280, int height = 900)
    {
        var options = new ChromeOptions { BinaryLocation = ChromiumPath };
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", $"--window-size={width},{height}",
            $"--user-data-dir={_profile}", $"--ignore-certificate-errors-spki-list={SpkiHash(serverCertificatePem)}");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(DriverPath)!, Path.GetFileName(DriverPath));
        service.SuppressInitialDiagnosticInformation = true;
        Driver = new ChromeDriver(service, options, TimeSpan.FromMinutes(2));
    }

    public ChromeDriver Driver { get; }

    public static bool IsInstalled => File.Exists(ChromiumPath) && File.Exists(DriverPath);

    /// <summary>Waits for <paramref name="condition"/> with the given patience (a test's own timeout bounds it as well).</summary>
    public T WaitFor<T>(TimeSpan patience, Func<IWebDriver, T> condition, string what)
    {
        var wait = new WebDriverWait(Driver, patience) { PollingInterval = TimeSpan.FromMilliseconds(250), Message = what };
        wait.IgnoreExceptionTypes(typeof(NoSuchElementException), typeof(StaleElementReferenceException));
        return wait.Until(condition);
    }

    /// <summary>Saves what the page looks like now, under TestResults/Akd.Dashboard.Tests/screenshots at the repository root.</summary>
    public string Screenshot(string name)
    {
        var dir = Path.Combine(RepoRoot.Path, "TestResults", "Akd.Dashboard.Tests", "screenshots");
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name + ".png");
        Driver.GetScreenshot().SaveAsFile(path);
        return path;
    }

    public void Dispose()
    {
        Driver.Quit();
        Driver.Dispose();
        try
        {
            Directory.Delete(_profile, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>base64(SHA-256(SubjectPublicKeyInfo)), the form chromium's --ignore-certificate-errors-spki-list takes.</summary>
    private static string SpkiHash(string pem)
    {
        using var certificate = X509Certificate2.CreateFromPem(pem);
        return Convert.ToBase64String(SHA256.HashData(certificate.PublicKey.ExportSubjectPublicKeyInfo()));
    }
}
