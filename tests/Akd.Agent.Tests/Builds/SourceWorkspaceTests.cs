using Akd.Agent.Builds;
using Akd.Agent.Reporting;
using Akd.Core.Processes;

namespace Akd.Agent.Tests.Builds;

public sealed class SourceWorkspaceTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("akd-ws-").FullName;
    private readonly StepReporter _reporter = TestMetrics.Reporter(new Outbox(), "s1");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact(Timeout = 60_000)]
    public async Task LoadGitAsync_BranchMovedSinceTheLastBuild_ChecksOutTheNewCommitAndKeepsTheBuildCaches()
    {
        // Arrange: a first build of main, with a build cache left behind.
        using var repo = await GitRepo.CreateAsync();
        await repo.CommitAsync("v1", ("mix.exs", "v1"), ("lib/old.ex", "old"));
        var workspace = new SourceWorkspace(_root, new AgentOptions(), TimeProvider.System);
        await workspace.LoadGitAsync(repo.Url, "main", _reporter, CancellationToken.None);
        Directory.CreateDirectory(Path.Combine(workspace.ProjectDir, "_build"));
        File.WriteAllText(Path.Combine(workspace.ProjectDir, "_build", "cache"), "compiled");

        // Act: main moves on (a change, a deletion, a new file), and the next build asks for main again.
        var second = await repo.CommitAsync("v2", ("mix.exs", "v2"), ("lib/old.ex", null), ("lib/new.ex", "new"));
        await workspace.LoadGitAsync(repo.Url, "main", _reporter, CancellationToken.None);

        // Assert
        Assert.Equal("v2", File.ReadAllText(Path.Combine(workspace.ProjectDir, "mix.exs")));
        Assert.False(File.Exists(Path.Combine(workspace.ProjectDir, "lib", "old.ex")));
        Assert.True(File.Exists(Path.Combine(workspace.ProjectDir, "lib", "new.ex")));
        Assert.Equal("compiled", File.ReadAllText(Path.Combine(workspace.ProjectDir, "_build", "cache")));
        Assert.Equal(second, await HeadAsync(workspace.ProjectDir));
    }

    [Fact(Timeout = 60_000)]
    public async Task LoadGitAsync_TagMovedToAnotherCommit_ChecksOutWhereItPointsNow()
    {
        // Arrange: a release tag built once, then moved (re-tagged after a fix).
        using var repo = await GitRepo.CreateAsync();
        await repo.CommitAsync("v1", ("mix.exs", "v1"));
        await repo.GitAsync("tag", "release");
        var workspace = new SourceWorkspace(_root, new AgentOptions(), TimeProvider.System);
        await workspace.LoadGitAsync(repo.Url, "release", _reporter, CancellationToken.None);
        var fixedCommit = await repo.CommitAsync("fix", ("mix.exs", "v1-fixed"));
        await repo.GitAsync("tag", "--force", "release", fixedCommit);

        // Act
        await workspace.LoadGitAsync(repo.Url, "release", _reporter, CancellationToken.None);

        // Assert
        Assert.Equal("v1-fixed", File.ReadAllText(Path.Combine(workspace.ProjectDir, "mix.exs")));
        Assert.Equal(fixedCommit, await HeadAsync(workspace.ProjectDir));
    }

    [Fact]
    public void TouchChanged_FileChangedButOlderThanTheLastBuild_GetsTheCurrentTimeAndUnchangedOnesKeepTheirs()
    {
        // Arrange: two files from a developer's machine with old mtimes; one's content changes, its mtime stays old.
        var dir = Directory.CreateDirectory(Path.Combine(_root, "src")).FullName;
        var skip = new HashSet<string>(StringComparer.Ordinal) { "_build", "deps" };
        var old = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        File.WriteAllText(Path.Combine(dir, "changed.ex"), "a");
        File.WriteAllText(Path.Combine(dir, "same.ex"), "b");
        var before = SourceFreshness.Fingerprint(dir, skip);
        File.WriteAllText(Path.Combine(dir, "changed.ex"), "a2");
        File.SetLastWriteTimeUtc(Path.Combine(dir, "changed.ex"), old);
        File.SetLastWriteTimeUtc(Path.Combine(dir, "same.ex"), old);

        // Act
        var touched = SourceFreshness.TouchChanged(dir, before, skip, TimeProvider.System);

        // Assert
        Assert.Equal(1, touched);
        Assert.True(File.GetLastWriteTimeUtc(Path.Combine(dir, "changed.ex")) > old);
        Assert.Equal(old, File.GetLastWriteTimeUtc(Path.Combine(dir, "same.ex")));
    }

    private static async Task<string> HeadAsync(string dir)
    {
        var (result, stdout) = await ProcessRunner.CaptureAsync(new ProcessSpec("git", ["rev-parse", "HEAD"]) { WorkingDirectory = dir }, CancellationToken.None);
        Assert.True(result.Succeeded);
        return stdout.Trim();
    }
}
