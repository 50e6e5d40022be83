using Akd.Core.Builders;
using Akd.Core.Manifest;
using Akd.Manifest;
using Akd.Core.Processes;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Processes;

public sealed class FailureCauseTests
{
    [Fact(Timeout = 10_000)]
    public async Task Append_ElixirErrorBannerAmongOtherLines_QuotesTheBanner()
    {
        await Task.Yield();

        // Arrange
        var cause = new FailureCause();
        var sink = cause.Watch(_ => { });
        sink(new OutputLine(OutputLine.StdOut, "Compiling 1 file (.ex)"));
        sink(new OutputLine(OutputLine.StdErr, "\u001b[31m** (Mix) Unknown release :nosuchapp. The available releases are: [:hello]\u001b[0m"));
        sink(new OutputLine(OutputLine.StdErr, "    (mix 1.14.0) lib/mix/release.ex:142"));

        // Act
        var message = cause.Append("'mix release nosuchapp' failed with exit code 1");

        // Assert
        Assert.Equal("'mix release nosuchapp' failed with exit code 1: ** (Mix) Unknown release :nosuchapp. The available releases are: [:hello]", message);
    }

    [Fact(Timeout = 10_000)]
    public async Task Append_NoBanner_QuotesTheLastStderrLineOrNothing()
    {
        await Task.Yield();

        // Arrange
        var withStderr = new FailureCause();
        var sink = withStderr.Watch(_ => { });
        sink(new OutputLine(OutputLine.StdErr, "fatal: repository not found"));
        sink(new OutputLine(OutputLine.StdOut, "cleaning up"));
        sink(new OutputLine(OutputLine.StdErr, ""));
        var silent = new FailureCause();

        // Act + Assert
        Assert.Equal("git failed: fatal: repository not found", withStderr.Append("git failed"));
        Assert.Equal("git failed", silent.Append("git failed"));
    }

    [Fact(Timeout = 300_000)]
    public async Task MixReleaseBuild_UnknownReleaseName_ErrorQuotesMixsCause()
    {
        // Arrange: examples/hello defines the release :hello only; the manifest asks for another.
        using var dir = new TempDirectory();
        var hello = Path.Combine(RepoRoot.Path, "examples", "hello");
        foreach (var file in Directory.EnumerateFiles(hello, "*", SearchOption.AllDirectories)
                     .Where(f => !f.Contains("/_build/", StringComparison.Ordinal) && !f.Contains("/deps/", StringComparison.Ordinal)))
        {
            dir.WriteFile(Path.GetRelativePath(hello, file), await File.ReadAllTextAsync(file));
        }

        var manifest = ManifestLoader.Parse("app: nosuchapp\n", "akd.yaml");
        var context = new BuildContext(dir.Path, manifest, dir.Combine("out"));
        var lines = new List<OutputLine>();

        // Act
        var error = await Assert.ThrowsAsync<BuildFailedException>(() =>
            ReleaseBuilders.For(manifest.Build.Tool).BuildAsync(context, line => { lock (lines) { lines.Add(line); } }, CancellationToken.None));

        // Assert: the step error itself says why, not only the streamed log.
        Assert.Contains("failed with exit code", error.Message);
        Assert.Contains("Unknown release :nosuchapp", error.Message);
        Assert.Contains("[:hello]", error.Message);
    }
}
