using Akd.Core.Builders;
using Akd.Core.Manifest;
using Akd.Manifest;
using Akd.Core.Processes;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Builders;

/// <summary>
/// The build workspace skips <c>mix deps.get</c> when nothing that decides the deps changed. Real mix,
/// and a real dependency: a git dep served from a local repository (hex.pm cannot be reached here).
/// </summary>
public sealed class DepsFetchTests : IDisposable
{
    private const int TimeoutMs = 120_000;
    private const string DepsGetLine = "$ MIX_ENV=prod mix deps.get --only prod";
    private readonly TempDirectory _temp = new();
    private readonly List<string> _log = [];

    public DepsFetchTests()
    {
        var dep = _temp.Combine("util");
        _temp.WriteFile("util/mix.exs", """
            defmodule Util.MixProject do
              use Mix.Project
              def project, do: [app: :util, version: "0.1.0", elixir: "~> 1.12", deps: []]
            end
            """);
        _temp.WriteFile("util/lib/util.ex", "defmodule Util do\n  def hi, do: :hi\nend\n");
        Git(dep, "init", "--quiet");
        Git(dep, "add", ".");
        Git(dep, "-c", "user.name=akd", "-c", "user.email=akd@localhost", "commit", "--quiet", "-m", "util");

        _temp.WriteFile("app/mix.exs", $$"""
            defmodule Demo.MixProject do
              use Mix.Project
              def project, do: [app: :demo, version: "0.1.0", elixir: "~> 1.12", deps: deps()]
              defp deps, do: [{:util, git: "{{dep}}"}]
            end
            """);
        _temp.WriteFile("app/lib/demo.ex", "defmodule Demo do\nend\n");
    }

    private string ProjectDir => _temp.Combine("app");

    public void Dispose() => _temp.Dispose();

    [Fact(Timeout = TimeoutMs)]
    public async Task FetchAsync_SecondBuildWithNothingChanged_SkipsDepsGet()
    {
        // Arrange
        await FetchAsync();
        Assert.True(Directory.Exists(Path.Combine(ProjectDir, "deps", "util")), "the first build fetches the git dependency");
        _log.Clear();

        // Act
        await FetchAsync();

        // Assert
        Assert.DoesNotContain(DepsGetLine, _log);
        Assert.Contains(_log, l => l.StartsWith("dependencies unchanged since the last build", StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task FetchAsync_DependencyDirectoryDeleted_FetchesAgain()
    {
        // Arrange
        await FetchAsync();
        Directory.Delete(Path.Combine(ProjectDir, "deps", "util"), recursive: true);
        _log.Clear();

        // Act
        await FetchAsync();

        // Assert
        Assert.Contains(DepsGetLine, _log);
        Assert.True(File.Exists(Path.Combine(ProjectDir, "deps", "util", "mix.exs")));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task FetchAsync_MixExsChanged_FetchesAgain()
    {
        // Arrange
        await FetchAsync();
        File.AppendAllText(Path.Combine(ProjectDir, "mix.exs"), "# a new dependency would go here\n");
        _log.Clear();

        // Act
        await FetchAsync();

        // Assert
        Assert.Contains(DepsGetLine, _log);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task FetchAsync_DepsGetFails_LeavesNoStampSoTheNextBuildRetries()
    {
        // Arrange: a dependency that cannot be fetched.
        File.WriteAllText(Path.Combine(ProjectDir, "mix.exs"), File.ReadAllText(Path.Combine(ProjectDir, "mix.exs"))
            .Replace(_temp.Combine("util"), _temp.Combine("missing"), StringComparison.Ordinal));

        // Act
        await Assert.ThrowsAsync<BuildFailedException>(FetchAsync);

        // Assert
        Assert.False(File.Exists(DepsFetch.StampPath(ProjectDir, "prod")));
    }

    private Task FetchAsync()
    {
        var manifest = ManifestLoader.Parse("app: demo\n", Path.Combine(ProjectDir, "akd.yaml"));
        var context = new BuildContext(ProjectDir, manifest, _temp.Combine("out")) { CommandTimeout = TimeSpan.FromSeconds(90) };
        return DepsFetch.FetchAsync(context, line => _log.Add(line.Text), CancellationToken.None);
    }

    private static void Git(string cwd, params string[] args)
    {
        var (result, output) = ProcessRunner.CaptureAsync(new ProcessSpec("git", args) { WorkingDirectory = cwd, Timeout = TimeSpan.FromSeconds(30) }, CancellationToken.None)
            .GetAwaiter().GetResult();
        Assert.True(result.Succeeded, $"git {string.Join(' ', args)}: {output}");
    }
}
