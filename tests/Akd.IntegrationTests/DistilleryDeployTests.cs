using Akd.IntegrationTests.Fleet;
using Xunit.Abstractions;

namespace Akd.IntegrationTests;

/// <summary>
/// remote-build with <c>build.tool: distillery</c>, on examples/hello with the FAKE distillery task
/// (Fixtures/distillery_fake_app, which prints and exits as distillery 2.1.1 does on OTP 25): the real
/// build agent runs <c>mix distillery.release</c>, the web agent runs the release through distillery's
/// script (<c>bin/hello start|pid|stop</c>), named from <c>rel/vm.args</c>.
/// </summary>
public sealed class DistilleryDeployTests(ITestOutputHelper output) : OneHostFleetTests(output, fixture: "distillery_fake_app")
{
    [Fact(Timeout = 600_000)]
    public async Task Deploy_CompleteThenArchiveFault_BothReleasesServeThroughDistilleryScript()
    {
        // Arrange
        var host = Host;

        // Act: distillery writes a complete tarball.
        var first = await Fleet.AkdctlAsync(App.Dir, DeployTimeout, "deploy", "-f", App.Manifest);
        Output.WriteLine(first.ToString());

        // Assert: its tarball was shipped as is and the release was started with distillery's command,
        // under the node name the agent gave this host, through ${RELEASE_NODE} in rel/vm.args.
        CliAssert.Succeeded(first);
        Assert.Contains("mix distillery.release --env=prod", first.StdOut);
        Assert.Contains("==> Packaging release..", first.StdOut);
        Assert.Contains("using distillery's tarball releases/0.1.0/hello.tar.gz", first.StdOut);
        Assert.Contains("bin/hello start", first.StdOut);
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(host.Port));
        var firstPid = Tool.RecordedPid(host.DeployPath("hello"));
        Assert.NotNull(firstPid);
        Assert.Contains($"hello_{host.Name}@127.0.0.1", NodeArguments(firstPid.Value));

        // Arrange: distillery 2.1.1 on OTP 25: it assembles a working release, fails to archive it and exits 1.
        App.SetVersion("0.2.0");
        File.WriteAllText(Path.Combine(App.Dir, "rel", "fake_distillery_tarball"), "incomplete\n");

        // Act
        var second = await Fleet.AkdctlAsync(App.Dir, DeployTimeout, "deploy", "-f", App.Manifest);
        Output.WriteLine(second.ToString());

        // Assert: the step log says the directory was packed instead; 0.1.0 was stopped with SIGTERM to its VM.
        CliAssert.Succeeded(second);
        Assert.Contains("==> Failed to archive release: _build/prod/rel/hello/releases/RELEASES: no such file or directory", second.StdOut);
        Assert.Contains("failed with exit code 1 at distillery's known archive fault", second.StdOut);
        Assert.Contains("packaging the assembled release directory", second.StdOut);
        Assert.Contains($"sending SIGTERM to pid {firstPid}", second.StdOut);
        Assert.Equal("hello 0.2.0", await Http.GetBodyAsync(host.Port));
        Assert.False(Directory.Exists($"/proc/{firstPid}"), $"the 0.1.0 node (pid {firstPid}) should have been stopped");
        var secondPid = Tool.RecordedPid(host.DeployPath("hello"));
        Assert.NotNull(secondPid);
        Assert.Contains($"hello_{host.Name}@127.0.0.1", NodeArguments(secondPid.Value));
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_ArchiveFaultWithoutTarball_PacksAssembledReleaseAndServesIt()
    {
        // Arrange: the same fault, leaving no tarball at all.
        var host = Host;
        File.WriteAllText(Path.Combine(App.Dir, "rel", "fake_distillery_tarball"), "incomplete-no-tarball\n");

        // Act
        var result = await Fleet.AkdctlAsync(App.Dir, DeployTimeout, "deploy", "-f", App.Manifest);
        Output.WriteLine(result.ToString());

        // Assert
        CliAssert.Succeeded(result);
        Assert.Contains("failed with exit code 1 at distillery's known archive fault", result.StdOut);
        Assert.Contains("packaging the assembled release directory", result.StdOut);
        Assert.Equal("hello 0.1.0", await Http.GetBodyAsync(host.Port));
    }

    [Fact(Timeout = 600_000)]
    public async Task Deploy_CompileErrorBeforePackaging_FailsTheBuildQuotingTheErrorAndShipsNothing()
    {
        // Arrange: a real compile error: distillery.release compiles first and exits 1.
        var host = Host;
        File.WriteAllText(Path.Combine(App.Dir, "lib", "broken.ex"), "defmodule Broken do\n  def go, do: nope()\nend\n");

        // Act
        var result = await Fleet.AkdctlAsync(App.Dir, DeployTimeout, "deploy", "-f", App.Manifest);
        Output.WriteLine(result.ToString());

        // Assert: the build step's own error quotes the compiler, not only the streamed log; no host was touched.
        Assert.NotEqual(0, result.ExitCode);
        var status = await CliJson.StatusAsync(Fleet, CliJson.DeploymentId(result));
        Assert.Equal("failed", status.Str("state"));
        var build = CliJson.Hosts(status)[(Fleet.BuildAgentName, "build")];
        Assert.Equal("failed", build.Str("state"));
        Assert.Contains("'mix distillery.release --env=prod' failed with exit code 1: ** (CompileError) lib/broken.ex:2: undefined function nope/0",
            build.Str("message"));
        Assert.DoesNotContain("archive", build.Str("message"));
        Assert.Null(host.CurrentRelease());
    }

    [Fact(Timeout = 900_000)]
    public async Task Deploy_HotWithDistillery_UpgradeBuiltByDistilleryRunsInTheSameVm()
    {
        // Arrange: deploy.upgrade: hot, with sasl (release_handler) in the release; 0.1.0 is deployed (it is started).
        var host = Host;
        var mixExs = Path.Combine(App.Dir, "mix.exs");
        File.WriteAllText(mixExs, File.ReadAllText(mixExs).Replace("[:logger, :inets]", "[:logger, :inets, :sasl]", StringComparison.Ordinal));
        File.WriteAllText(App.Manifest, File.ReadAllText(App.Manifest).Replace("  run: release", "  run: release\n  upgrade: hot", StringComparison.Ordinal));
        var first = await Fleet.AkdctlAsync(App.Dir, DeployTimeout, "deploy", "-f", App.Manifest);
        Output.WriteLine(first.ToString());
        CliAssert.Succeeded(first);
        var pid = Tool.RecordedPid(host.DeployPath("hello"));
        Assert.NotNull(pid);
        App.SetVersion("0.2.0");

        // Act
        var second = await Fleet.AkdctlAsync(App.Dir, DeployTimeout, "deploy", "-f", App.Manifest);
        Output.WriteLine(second.ToString());

        // Assert: distillery built the upgrade from the 0.1.0 the build agent placed where it expects it, and its
        // `bin/hello upgrade 0.2.0` applied it in the VM that already ran: same pid, new version answering.
        CliAssert.Succeeded(second);
        Assert.Contains("mix distillery.release --env=prod --upgrade --upfrom=0.1.0", second.StdOut);
        Assert.Contains("==> Generated .appup for hello 0.1.0 -> 0.2.0", second.StdOut);
        Assert.Contains("==> Relup successfully created", second.StdOut);
        Assert.Contains("bin/hello upgrade 0.2.0", second.StdOut);
        Assert.Equal("hello 0.2.0", await Http.GetBodyAsync(host.Port));
        Assert.Equal(pid, Tool.RecordedPid(host.DeployPath("hello")));
        Assert.True(Directory.Exists($"/proc/{pid}"), $"the VM (pid {pid}) should still run");
        Assert.EndsWith("\thot-upgraded 0.1.0 -> 0.2.0", File.ReadAllLines(Path.Combine(host.DeployPath("hello"), "revisions.log"))[^1]);
    }

    /// <summary>The node name the running VM was started with (its <c>-name</c>/<c>-sname</c> argument).</summary>
    private static string NodeArguments(int pid)
    {
        var args = File.ReadAllText($"/proc/{pid}/cmdline").Split('\0');
        var flag = Array.FindIndex(args, a => a is "-name" or "-sname");
        return flag >= 0 && flag + 1 < args.Length ? args[flag + 1] : $"no -name in: {string.Join(' ', args)}";
    }
}
