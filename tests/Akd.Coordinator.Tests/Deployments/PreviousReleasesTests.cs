using System.Security.Cryptography;
using System.Text;
using Akd.Contracts.V1;
using Akd.Coordinator.Artifacts;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Tests.Storage;
using Akd.Core.Manifest;
using Akd.Manifest;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Deployments;

/// <summary>Which release a hot upgrade's relup is built from, against a real SQLite store and real artifact files.</summary>
public sealed class PreviousReleasesTests : IDisposable
{
    private readonly TempDatabase _db = new();
    private readonly ArtifactStore _store;

    public PreviousReleasesTests() => _store = new ArtifactStore(Options.Create(new CoordinatorOptions { DataDir = _db.Dir }));

    public void Dispose() => _db.Dispose();

    [Fact(Timeout = 10_000)]
    public async Task FillAsync_EveryTargetRunsTheSameStoredRelease_NamesItsArtifactAndVersion()
    {
        // Arrange
        var sha = await DeployedAsync("d-1", "0.1.0-1", ["web-1", "web-2"], stored: true);
        var build = new BuildStep();

        // Act
        await PreviousReleases.FillAsync(build, _db.Deployments, _store, Plan("web-1", "web-2"), CancellationToken.None);

        // Assert
        Assert.Equal((sha, "0.1.0"), (build.UpgradeFrom.Artifact.Sha256, build.UpgradeFrom.Version));
        Assert.Equal(_store.SizeOf(sha), build.UpgradeFrom.Artifact.Size);
        Assert.Empty(build.UpgradeFromMissing);
    }

    [Fact(Timeout = 10_000)]
    public async Task FillAsync_ATargetWithoutARelease_SaysWhichOne()
    {
        // Arrange
        await DeployedAsync("d-1", "0.1.0-1", ["web-1"], stored: true);
        var build = new BuildStep();

        // Act
        await PreviousReleases.FillAsync(build, _db.Deployments, _store, Plan("web-1", "web-2"), CancellationToken.None);

        // Assert
        Assert.Null(build.UpgradeFrom);
        Assert.Equal("no previous release known on web-2", build.UpgradeFromMissing);
    }

    [Fact(Timeout = 10_000)]
    public async Task FillAsync_TargetsOnDifferentReleases_NamesThem()
    {
        // Arrange
        await DeployedAsync("d-1", "0.1.0-1", ["web-1", "web-2"], stored: true);
        await DeployedAsync("d-2", "0.2.0-2", ["web-2"], stored: true);
        var build = new BuildStep();

        // Act
        await PreviousReleases.FillAsync(build, _db.Deployments, _store, Plan("web-1", "web-2"), CancellationToken.None);

        // Assert
        Assert.Null(build.UpgradeFrom);
        Assert.Equal("the targets run different releases (0.1.0-1, 0.2.0-2)", build.UpgradeFromMissing);
    }

    [Fact(Timeout = 10_000)]
    public async Task FillAsync_ArtifactNoLongerStored_SaysSo()
    {
        // Arrange
        await DeployedAsync("d-1", "0.1.0-1", ["web-1"], stored: false);
        var build = new BuildStep();

        // Act
        await PreviousReleases.FillAsync(build, _db.Deployments, _store, Plan("web-1"), CancellationToken.None);

        // Assert
        Assert.Null(build.UpgradeFrom);
        Assert.Equal("the artifact of 0.1.0-1 is no longer stored", build.UpgradeFromMissing);
    }

    private static DeploymentPlan Plan(params string[] targets) =>
        new(TempDatabase.NewDeployment("d-new"), ManifestLoader.Parse("app: hello\ndeploy: { upgrade: hot }\n", "akd.yaml", null, null), "", "",
            new SourceSpec(), "build-1", targets);

    /// <summary>A deploy of <paramref name="releaseId"/> that succeeded on <paramref name="hosts"/>; returns its artifact's digest.</summary>
    private async Task<string> DeployedAsync(string id, string releaseId, string[] hosts, bool stored)
    {
        var bytes = Encoding.UTF8.GetBytes($"release {releaseId}");
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (stored)
        {
            var path = _store.PathFor(sha);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, bytes);
        }

        await _db.Deployments.CreateAsync(TempDatabase.NewDeployment(id), "app: hello", CancellationToken.None);
        await _db.Deployments.SetBuildAsync(id, sha, releaseId.Split('-')[0], releaseId, CancellationToken.None);
        foreach (var host in hosts)
        {
            await _db.Deployments.SetHostStepAsync(id, host, StepKind.Activate, StepState.Succeeded, releaseId, "", CancellationToken.None);
            await Task.Delay(20); // finished_at orders the hosts' reports
        }

        return sha;
    }
}
