using Akd.Contracts.V1;
using Akd.Coordinator.Deployments;
using Akd.Manifest;
using Google.Protobuf;

namespace Akd.Coordinator.Tests.Deployments;

public sealed class StepSpecsTests
{
    private const string Manifest = """
        app: pinger
        build: { tool: distillery, mix_env: staging, toolchain: asdf, include_erts: false }
        deploy:
          path: /srv/pinger
          keep_releases: 3
          env: { PORT: "4000", SECRET_KEY_BASE: "s3cr3t-value" }
          run: ["mix", "phx.server"]
        health: { http: "http://127.0.0.1:${PORT}/", expect: pong, timeout: 12s, interval: 500ms, retries: 4 }
        hooks:
          - { name: migrate, at: after-activate, run: [["bin/pinger", "eval", "M.run()"]], rollback: [["true"]], ignore_failure: true }
          - { name: assets, at: before-build, run: [["mix", "assets.deploy"]] }
        environments:
          staging: { deploy: { keep_releases: 2, env: { PORT: "4100" } } }
        """;

    [Fact]
    public void Build_ManifestWithDeployEnv_CarriesTheBuildSettingsButNoneOfTheEnv()
    {
        // Arrange
        var manifest = ManifestLoader.Parse(Manifest, "akd.yaml", null, null);

        // Act
        var spec = StepSpecs.Build(manifest);
        var wire = spec.ToByteArray();

        // Assert: the build agent learns how to build, and nothing of deploy.env reaches it.
        Assert.Equal(("pinger", ReleaseTool.Distillery, "staging", ToolchainKind.Asdf, false),
            (spec.App, spec.Build.Tool, spec.Build.MixEnv, spec.Build.Toolchain, spec.Build.IncludeErts));
        Assert.Equal(["migrate", "assets"], spec.Hooks.Select(h => h.Name));
        Assert.Equal("/srv/pinger", spec.DeployPath);
        Assert.Equal(-1, IndexOf(wire, "s3cr3t-value"u8.ToArray()));
        Assert.Equal(-1, IndexOf(wire, "SECRET_KEY_BASE"u8.ToArray()));
    }

    [Fact]
    public void Activate_EnvironmentSelected_CarriesTheResolvedValuesWithTheOverlayApplied()
    {
        // Arrange
        var manifest = ManifestLoader.Parse(Manifest, "akd.yaml", "staging", null);

        // Act
        var spec = StepSpecs.Activate(manifest);

        // Assert
        Assert.Equal(("pinger", "staging", Strategy.RemoteBuild, "/srv/pinger", 2),
            (spec.App, spec.Environment, spec.Strategy, spec.DeployPath, spec.KeepReleases));
        Assert.Equal("4100", spec.Env["PORT"]);
        Assert.Equal(["mix", "phx.server"], spec.Run.Args);
        Assert.Equal(("http://127.0.0.1:${PORT}/", "", "pong", 4), (spec.Health.Http, spec.Health.Tcp, spec.Health.Expect, spec.Health.Retries));
        Assert.Equal((TimeSpan.FromSeconds(12), TimeSpan.FromMilliseconds(500)), (spec.Health.Timeout.ToTimeSpan(), spec.Health.Interval.ToTimeSpan()));
        var migrate = spec.Hooks[0];
        Assert.Equal((HookPoint.AfterActivate, true), (migrate.At, migrate.IgnoreFailure));
        Assert.Equal(["bin/pinger", "eval", "M.run()"], migrate.Run.Single().Args);
        Assert.Equal(["true"], migrate.Rollback.Single().Args);
        Assert.Equal(HookPoint.BeforeBuild, spec.Hooks[1].At);
    }

    [Fact]
    public void Activate_DefaultsOnly_ReleaseRunAndNoHealthCheck()
    {
        // Arrange
        var manifest = ManifestLoader.Parse("app: hello\n", "akd.yaml", null, null);

        // Act
        var spec = StepSpecs.Activate(manifest);

        // Assert: no deploy.run travels as an unset command, so the target runs the release itself.
        Assert.Null(spec.Run);
        Assert.Null(spec.Health.Command);
        Assert.Equal(("", "apps/hello", 5, ReleaseTool.MixRelease, "prod"), (spec.Health.Http, spec.DeployPath, spec.KeepReleases, spec.Build.Tool, spec.Build.MixEnv));
    }

    [Theory]
    [InlineData("false", false, false)]
    [InlineData("true", true, false)]
    [InlineData("shared_port", true, true)]
    public void Activate_StartOverlap_SharedPortAlsoSetsStartOverlapForOlderAgents(string value, bool overlap, bool sharedPort)
    {
        // Arrange
        var manifest = ManifestLoader.Parse($"app: hello\ndeploy: {{ start_overlap: {value} }}\n", "akd.yaml", null, null);

        // Act
        var spec = StepSpecs.Activate(manifest);

        // Assert: an agent that does not know shared_port still overlaps, the port-closed way.
        Assert.Equal((overlap, sharedPort), (spec.StartOverlap, spec.StartOverlapSharedPort));
    }

    private static int IndexOf(byte[] haystack, byte[] needle) =>
        Enumerable.Range(0, haystack.Length - needle.Length + 1).FirstOrDefault(i => haystack.AsSpan(i, needle.Length).SequenceEqual(needle), -1);
}
