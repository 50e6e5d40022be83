using System.Diagnostics;
using System.Runtime.Versioning;
using Akd.Core.Archives;
using Xunit.Abstractions;

namespace Akd.Core.Tests.Archives;

[SupportedOSPlatform("linux")]
public sealed class SourceTreeTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact(Timeout = TestArchives.TimeoutMs)]
    public async Task ListFiles_RootAndNestedGitignore_HonoursBoth()
    {
        // Arrange
        _temp.WriteFile(".gitignore", "*.log\n/secrets.exs\n");
        _temp.WriteFile("mix.exs", "mix");
        _temp.WriteFile("debug.log", "log");
        _temp.WriteFile("secrets.exs", "s");
        _temp.WriteFile("config/secrets.exs", "kept: root rule is anchored");
        _temp.WriteFile("assets/.gitignore", "generated/\n");
        _temp.WriteFile("assets/app.js", "js");
        _temp.WriteFile("assets/generated/bundle.js", "bundle");
        _temp.WriteFile("assets/sub/trace.log", "log");

        // Act
        var files = await ListAsync();

        // Assert
        Assert.Equal([".gitignore", "assets/.gitignore", "assets/app.js", "config/secrets.exs", "mix.exs"], files);
    }

    [Fact(Timeout = TestArchives.TimeoutMs)]
    public async Task ListFiles_BuildDirectoriesWithoutGitignore_AreSkippedAtAnyDepth()
    {
        // Arrange
        _temp.WriteFile("mix.exs", "mix");
        _temp.WriteFile("_build/prod/lib/app.beam", "beam");
        _temp.WriteFile("deps/jason/mix.exs", "dep");
        _temp.WriteFile("apps/web/deps/x.ex", "dep");
        _temp.WriteFile("apps/web/_build/y", "build");
        _temp.WriteFile("apps/web/lib/web.ex", "web");
        _temp.WriteFile("assets/node_modules/left-pad/index.js", "js");
        _temp.WriteFile(".elixir_ls/build/z", "ls");
        _temp.WriteFile("lib/deps", "a file named deps is source");

        // Act
        var files = await ListAsync();

        // Assert
        Assert.Equal(["apps/web/lib/web.ex", "lib/deps", "mix.exs"], files);
    }

    [Fact(Timeout = TestArchives.TimeoutMs)]
    public async Task ListFiles_InsideGitRepository_ListsUntrackedAndTrackedAndLeavesRepoUntouched()
    {
        // Arrange
        await GitAsync("init", "--quiet");
        _temp.WriteFile(".gitignore", "ignored.txt\n");
        _temp.WriteFile("tracked.ex", "t");
        _temp.WriteFile("ignored.txt", "i");
        await GitAsync("add", "tracked.ex");
        _temp.WriteFile("untracked.ex", "u");
        var indexBefore = await File.ReadAllBytesAsync(_temp.Combine(".git/index"));

        // Act
        var files = await ListAsync();

        // Assert
        Assert.Equal([".gitignore", "tracked.ex", "untracked.ex"], files);
        Assert.Equal(indexBefore, await File.ReadAllBytesAsync(_temp.Combine(".git/index")));
    }

    [Fact(Timeout = TestArchives.TimeoutMs)]
    public async Task ListFiles_NestedRepositoryAndSymlink_ListsFilesInsideAndTheLink()
    {
        // Arrange
        _temp.WriteFile("vendor/lib/.gitignore", "tmp/\n");
        _temp.WriteFile("vendor/lib/code.ex", "c");
        _temp.WriteFile("vendor/lib/tmp/junk", "j");
        await GitAsync("-C", _temp.Combine("vendor/lib"), "init", "--quiet");
        _temp.WriteFile("real.ex", "r");
        File.CreateSymbolicLink(_temp.Combine("alias.ex"), "real.ex");

        // Act
        var files = await ListAsync();

        // Assert
        Assert.Equal(["alias.ex", "real.ex", "vendor/lib/.gitignore", "vendor/lib/code.ex"], files);
    }

    [Fact]
    public void Walk_WithoutGit_SkipsOnlyFixedExclusions()
    {
        // Arrange: the fallback used when git is not installed.
        _temp.WriteFile(".gitignore", "*.log\n");
        _temp.WriteFile("a.log", "kept: nothing reads .gitignore here");
        _temp.WriteFile("deps/x", "x");
        _temp.WriteFile("lib/_build/y", "y");
        _temp.WriteFile("lib/app.ex", "app");

        // Act
        var files = SourceTree.Walk(_temp.Path).Where(p => !SourceTree.InExcludedDirectory(p)).Order(StringComparer.Ordinal);

        // Assert
        Assert.Equal([".gitignore", "a.log", "lib/app.ex"], files);
    }

    [Fact]
    public void ListFiles_MissingDirectory_Throws()
    {
        Assert.Throws<DirectoryNotFoundException>(() => SourceTree.ListFiles(_temp.Combine("missing")));
    }

    private async Task<IReadOnlyList<string>> ListAsync()
    {
        var files = await Task.Run(() => SourceTree.ListFiles(_temp.Path));
        output.WriteLine(string.Join('\n', files));
        return files;
    }

    private async Task GitAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("git") { WorkingDirectory = _temp.Path, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var git = Process.Start(start)!;
        await git.WaitForExitAsync();
        Assert.True(git.ExitCode == 0, await git.StandardError.ReadToEndAsync());
    }
}
