using Akd.Agent.Artifacts;
using Akd.Agent.Builds;
using Akd.Agent.Connection;
using Akd.Agent.Identity;
using Akd.Agent.Reporting;
using Akd.Agent.Transport;
using Akd.Contracts.V1;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Tests.Builds;

/// <summary>
/// The source strategy's checkout from git on a target: a real repository, the agent's per-app git cache, and
/// the copy the target builds in. Git sources never reach the coordinator, so no channel is opened.
/// </summary>
public sealed class SourceCheckoutTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("akd-checkout-").FullName;
    private readonly StepReporter _reporter = TestMetrics.Reporter(new Outbox(), "s1");
    private readonly SourceCheckout _checkout;

    public SourceCheckoutTests()
    {
        var options = new AgentOptions { DataDir = Path.Combine(_root, "agent") };
        var wrapped = Options.Create(options);
        var artifacts = new ArtifactClient(new CoordinatorChannel(wrapped, new AgentIdentity(wrapped, TimeProvider.System)), new ArtifactCache(options, TimeProvider.System), wrapped);
        _checkout = new SourceCheckout(artifacts, options, TimeProvider.System);
    }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact(Timeout = 60_000)]
    public async Task FetchIntoAsync_GitSource_CopiesTheProjectWithoutGitOrBuildOutputAndKeepsLinksAsLinks()
    {
        // Arrange: a project with a nested folder named deps (only the top-level one is Mix's) and a symlink;
        // a first checkout leaves build output in the agent's git cache, as a build there would.
        using var repo = await GitRepo.CreateAsync();
        await repo.CommitAsync("v1", ("mix.exs", "v1"), ("lib/deps/helper.ex", "helper"));
        File.CreateSymbolicLink(Path.Combine(repo.Dir, "lib", "alias.ex"), "deps/helper.ex");
        await repo.CommitAsync("link");
        await _checkout.FetchIntoAsync(Git(repo), "app", Target("first"), _reporter, CancellationToken.None);
        var project = new SourceWorkspace(Path.Combine(_root, "agent", "sources", "app"), new AgentOptions(), TimeProvider.System).ProjectDir;
        Directory.CreateDirectory(Path.Combine(project, "_build", "prod"));
        Directory.CreateDirectory(Path.Combine(project, "deps", "jason"));

        // Act
        var target = Target("second");
        await _checkout.FetchIntoAsync(Git(repo), "app", target, _reporter, CancellationToken.None);

        // Assert
        Assert.Equal("v1", File.ReadAllText(Path.Combine(target, "mix.exs")));
        Assert.False(Directory.Exists(Path.Combine(target, ".git")), ".git is not copied");
        Assert.False(Directory.Exists(Path.Combine(target, "_build")), "build output is not copied");
        Assert.False(Directory.Exists(Path.Combine(target, "deps")), "fetched dependencies are not copied");
        Assert.Equal("helper", File.ReadAllText(Path.Combine(target, "lib", "deps", "helper.ex")));
        Assert.Equal("deps/helper.ex", new FileInfo(Path.Combine(target, "lib", "alias.ex")).LinkTarget);
    }

    [Fact(Timeout = 60_000)]
    public async Task FetchIntoAsync_BranchMovedBetweenDeploys_SecondCheckoutHasTheNewCommit()
    {
        // Arrange
        using var repo = await GitRepo.CreateAsync();
        await repo.CommitAsync("v1", ("mix.exs", "v1"), ("lib/gone.ex", "gone"));
        await _checkout.FetchIntoAsync(Git(repo, "main"), "app", Target("first"), _reporter, CancellationToken.None);
        await repo.CommitAsync("v2", ("mix.exs", "v2"), ("lib/gone.ex", null));

        // Act
        var target = Target("second");
        await _checkout.FetchIntoAsync(Git(repo, "main"), "app", target, _reporter, CancellationToken.None);

        // Assert
        Assert.Equal("v2", File.ReadAllText(Path.Combine(target, "mix.exs")));
        Assert.False(File.Exists(Path.Combine(target, "lib", "gone.ex")));
    }

    [Fact(Timeout = 60_000)]
    public async Task FetchIntoAsync_GitSourceWithoutMixExs_FailsAskingWhetherSourcePathIsTheProject()
    {
        // Arrange: an umbrella-style layout whose Mix project is one folder down.
        using var repo = await GitRepo.CreateAsync();
        await repo.CommitAsync("v1", ("apps/web/mix.exs", "v1"));

        // Act
        var failure = await Assert.ThrowsAsync<StepFailedException>(
            () => _checkout.FetchIntoAsync(Git(repo), "app", Target("first"), _reporter, CancellationToken.None));

        // Assert
        Assert.Contains("no mix.exs at its root", failure.Message);
    }

    private static SourceSpec Git(GitRepo repo, string gitRef = "") => new() { Git = new GitSource { Url = repo.Url, Ref = gitRef } };

    private string Target(string name) => Path.Combine(_root, "targets", name);
}
