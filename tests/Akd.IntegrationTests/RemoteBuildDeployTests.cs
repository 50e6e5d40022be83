using System.Diagnostics;
using System.Text.Json;
using Akd.Contracts.V1;
using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// The spine: coordinator + build agent + two web agents + akdctl, deploying examples/hello with the
/// real mix. Tests in this class share one fleet and run in order of declaration is not guaranteed,
/// so each test is self-contained about what it asserts.
/// </summary>
public sealed class RemoteBuildDeployTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(5);
    private LocalFleet _fleet = null!;
    private HelloApp _app = null!;

    public async Task InitializeAsync()
    {
        _fleet = await LocalFleet.StartAsync(webAgents: 2, CancellationToken.None);
        _app = HelloApp.CopyTo(_fleet.Root);
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_TwiceWithBumpedVersion_BothHostsServeNewVersionAndKeepBothReleases()
    {
        // Arrange: nothing deployed yet.

        // Act: first deploy.
        var first = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", _app.Manifest);
        output.WriteLine(first.ToString());

        // Assert: both hosts answer with 0.1.0.
        CliAssert.Succeeded(first);
        Assert.Contains("succeeded", first.StdOut);
        foreach (var host in _fleet.Web)
        {
            Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(host.Port));
        }

        // Assert: cut-through: each target fetched the release while the build agent uploaded it, all of it
        // from the coordinator (no peers here), as the deployment's host rows say.
        var deploymentId = first.StdOut.Split('\n').Select(l => System.Text.RegularExpressions.Regex.Match(l, @"\bd-\d{8}T\d{6}Z-[0-9a-f]{6}\b")).First(m => m.Success).Value;
        var deployment = await new Akd.Contracts.V1.Control.ControlClient(_fleet.Coordinator.Admin.Invoker)
            .GetDeploymentAsync(new Akd.Contracts.V1.GetDeploymentRequest { Id = deploymentId });
        var artifactSize = new FileInfo(await _fleet.ArtifactPathAsync(deploymentId, CancellationToken.None)).Length;
        foreach (var host in _fleet.Web)
        {
            Assert.Contains("Prefetched upload", _fleet.Agents[host.Name].Output);
            var activate = Assert.Single(deployment.Hosts, h => h.Host == host.Name && h.Step == StepKind.Activate);
            Assert.Equal(artifactSize, activate.Transfer?.BytesFromCoordinator);
            Assert.Equal(0, activate.Transfer?.BytesFromPeers);
        }

        // Act: bump the version and deploy again, this time as a script would (--output json).
        _app.SetVersion("0.2.0");
        var second = await _fleet.AkdctlAsync(_app.Dir, DeployTimeout, "deploy", "-f", _app.Manifest, "--output", "json");
        output.WriteLine(second.ToString());

        // Assert: one JSON event per line, ending with the deployment's success.
        CliAssert.Succeeded(second);
        var events = second.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var last = events.Last(e => e.GetProperty("kind").GetString() == "EVENT_KIND_DEPLOYMENT");
        Assert.Equal("succeeded", last.GetProperty("state").GetString());
        Assert.Contains(events, e => e.GetProperty("kind").GetString() == "EVENT_KIND_LOG" && e.GetProperty("message").GetString()!.Contains("mix release"));

        // Assert: both hosts answer with 0.2.0, keep two releases, and logged two revisions.
        foreach (var host in _fleet.Web)
        {
            Assert.Equal("hello 0.2.0", await Http.GetBodyAsync(host.Port));
            var deployPath = host.DeployPath("hello");
            var releases = Directory.GetDirectories(Path.Combine(deployPath, "releases")).Select(Path.GetFileName).Order().ToList();
            Assert.Equal(2, releases.Count);
            Assert.StartsWith("0.1.0-", releases[0]);
            Assert.StartsWith("0.2.0-", releases[1]);
            var current = new FileInfo(Path.Combine(deployPath, "current"));
            Assert.NotNull(current.LinkTarget);
            Assert.Equal(Path.Combine("releases", releases[1]!), current.LinkTarget);
            var revisions = File.ReadAllLines(Path.Combine(deployPath, "revisions.log"));
            Assert.Equal(2, revisions.Length);
            Assert.Contains(releases[0]!, revisions[0]);
            Assert.Contains(releases[1]!, revisions[1]);
        }

        // Assert: the release's provenance is the build agent, bound to its build step.
        var status = await _fleet.AkdctlAsync(_app.Dir, TimeSpan.FromSeconds(60), "status");
        CliAssert.Succeeded(status);
        Assert.Matches($@"built by\s+agent {_fleet.BuildAgentName}, build step [0-9a-f]{{32}}", status.StdOut);
    }

    [Fact(Timeout = 120_000)]
    public async Task Deploy_TargetLabelMatchesNoAgent_IsRefusedBeforeUploadingNamingTheSelector()
    {
        // Arrange: a manifest whose targets do not exist.
        var yaml = File.ReadAllText(_app.Manifest).Replace("to: { role: web }", "to: { role: nowhere }");
        Assert.Contains("role: nowhere", yaml);
        var manifest = _app.WriteManifest("akd.nowhere.yaml", yaml);

        // Act
        var result = await _fleet.AkdctlAsync(_app.Dir, TimeSpan.FromSeconds(60), "deploy", "-f", manifest);
        output.WriteLine(result.ToString());

        // Assert: refused before anything was built or even uploaded, with the selector in the message.
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("no online agent matches deploy.to role=nowhere", result.StdErr);
        Assert.DoesNotContain("uploading source", result.StdOut);
        Assert.False(Directory.Exists(Path.Combine(_fleet.Root, "build-1", "builds")), "nothing should have been built");
    }

    [Fact(Timeout = 300_000)]
    public async Task Deploy_GitSourceAtRef_BuildsThatCommitAndBothHostsServeIt()
    {
        // Arrange: a git repository whose main branch holds version 0.3.0 and whose manifest names it.
        var repo = Path.Combine(_fleet.Root, "hello-git");
        Directory.Move(HelloApp.CopyTo(Path.Combine(_fleet.Root, "git-src")).Dir, repo);
        var mixExs = Path.Combine(repo, "mix.exs");
        File.WriteAllText(mixExs, File.ReadAllText(mixExs).Replace("version: \"0.1.0\"", "version: \"0.3.0\""));
        var manifest = Path.Combine(repo, "akd.yaml");
        var yaml = File.ReadAllText(manifest);
        var pathLine = yaml.Split('\n').Single(l => l.TrimStart().StartsWith("path: .", StringComparison.Ordinal));
        File.WriteAllText(manifest, yaml.Replace(pathLine, $"  git: \"file://{repo}\"\n  ref: main"));
        Git(repo, "init", "--quiet", "--initial-branch=main");
        Git(repo, "add", "--all");
        Git(repo, "-c", "user.name=akd-test", "-c", "user.email=akd@test.invalid", "commit", "--quiet", "-m", "hello 0.3.0");

        // Act
        var result = await _fleet.AkdctlAsync(repo, DeployTimeout, "deploy", "-f", manifest);
        output.WriteLine(result.ToString());

        // Assert
        CliAssert.Succeeded(result);
        Assert.Contains("checking out origin/main", result.StdOut);
        foreach (var host in _fleet.Web)
        {
            Assert.Equal("hello 0.3.0", await Http.GetBodyAsync(host.Port));
        }
    }

    private static void Git(string cwd, params string[] args)
    {
        var psi = new ProcessStartInfo("git") { WorkingDirectory = cwd, RedirectStandardError = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        using var git = Process.Start(psi)!;
        var stderr = git.StandardError.ReadToEnd();
        git.WaitForExit();
        Assert.True(git.ExitCode == 0, $"git {string.Join(' ', args)}: {stderr}");
    }
}
