using System.Xml.Linq;

namespace Akd.Installers.Tests.Packages;

/// <summary>
/// Runs installers/build-packages.sh once for all package tests: the programs are published
/// (NativeAOT, the slow part) and packed as VERSION-1, then packed again from the same programs as
/// VERSION-2, the upgrade; gzip rather than xz, which takes minutes on the 100 MB coordinator.
/// Lintian is left to its own test. <c>AKD_TEST_PUBLISH_DIR</c> names a
/// directory to publish into and keep, and one that already holds the programs is packed as it is
/// (for repeated local runs; CI leaves it unset and publishes).
/// </summary>
public sealed class PackagesFixture : IAsyncLifetime
{
    public static readonly string[] Packages = ["akd-agent", "akd-coordinator", "akdctl"];

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(25);

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("akd-debs-");

    public string Upstream { get; } = ReadUpstreamVersion();

    public string Version => Upstream + "-1";

    public string UpgradeVersion => Upstream + "-2";

    public string Dir => Path.Combine(_work.FullName, "1");

    public string UpgradeDir => Path.Combine(_work.FullName, "2");

    /// <summary>The programs the packages were made of (<c>agent/</c>, <c>coordinator/</c>, <c>cli/</c>): install.sh --from installs them as they are.</summary>
    public string PublishDir { get; private set; } = "";

    /// <summary>What the build printed, for the tests' output.</summary>
    public string BuildLog { get; private set; } = "";

    /// <summary>Why the packages could not be built, if they could not: each test fails with it.</summary>
    public string? Failure { get; private set; }

    public string Deb(string package, string? version = null, string? dir = null) =>
        Path.Combine(dir ?? Dir, $"{package}_{version ?? Version}_amd64.deb");

    public async Task InitializeAsync()
    {
        if (Requirements.Missing("dpkg-deb", "dpkg", root: true) is not null)
        {
            return; // every test that uses the packages is skipped, with the reason.
        }

        var publishDir = PublishDir = Environment.GetEnvironmentVariable("AKD_TEST_PUBLISH_DIR") is { Length: > 0 } keep
            ? keep
            : Path.Combine(_work.FullName, "publish");
        var published = File.Exists(Path.Combine(publishDir, "agent", "akd-agent"));

        using var cts = new CancellationTokenSource(BuildTimeout);
        var script = Path.Combine(RepoRoot.Path, "installers", "build-packages.sh");
        var first = await Tool.RunAsync(
            script,
            ["--output", Dir, "--publish-dir", publishDir, "--revision", "1", "--no-lintian", "--compression", "gzip", .. published ? ["--no-publish"] : Array.Empty<string>()],
            BuildTimeout, cts.Token);
        var second = first.ExitCode != 0 ? first : await Tool.RunAsync(
            script,
            ["--output", UpgradeDir, "--publish-dir", publishDir, "--revision", "2", "--no-lintian", "--compression", "gzip", "--no-publish"],
            BuildTimeout, cts.Token);

        BuildLog = first.Output + second.Output;
        if (first.ExitCode != 0 || second.ExitCode != 0)
        {
            Failure = $"build-packages.sh failed:\n{BuildLog}";
        }
    }

    public Task DisposeAsync()
    {
        _work.Delete(recursive: true);
        return Task.CompletedTask;
    }

    private static string ReadUpstreamVersion() =>
        XDocument.Load(Path.Combine(RepoRoot.Path, "Directory.Build.props"))
            .Descendants("Version").Select(v => v.Value.Trim()).First();
}

[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<PackagesFixture>
{
    public const string Name = "packages";
}
