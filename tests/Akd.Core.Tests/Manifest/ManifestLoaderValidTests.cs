using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Core.Tests.Manifest;

public sealed class ManifestLoaderValidTests
{
    // The example of DESIGN.md, verbatim.
    internal const string DesignManifest = """
        app: pinger                    # release name; defaults to the Mix app name
        strategy: remote-build         # remote-build | local-build | source
        source:
          path: .                      # default: akdctl uploads the working tree (honours .gitignore; skips _build, deps)
          # git: https://example.org/pinger.git   # or the agent clones/fetches this
          # ref: main
        build:
          on: { role: build }          # label selector for the build agent
          tool: mix-release            # mix-release | distillery
          mix_env: prod
          toolchain: system            # system | asdf
          include_erts: true
        deploy:
          to: { role: web }            # label selector for the targets
          path: apps/pinger            # relative paths resolve under the agent's data dir; absolute ones as given
          keep_releases: 5
          rolling: { batch: 1, max_failures: 0 }   # batch: N | "25%" | all
          env: { PORT: "4000" }        # written to shared/, given to the app; host config may override
          run: release                 # release (bin/APP daemon|stop) | command: ["mix", "phx.server"]
        health:
          http: "http://127.0.0.1:${PORT}/"   # or tcp: "127.0.0.1:${PORT}", or command: [...]
          timeout: 30s
        hooks:
          - name: migrate
            at: after-activate         # before-build | after-build | before-activate | after-activate | after-start
            run: ["bin/pinger", "eval", "Pinger.Release.migrate()"]
            rollback: []               # akd semantics: main / ensure / rollback / ignore_failure
        environments:
          staging:    { deploy: { to: { role: web, env: staging } } }
          production: { deploy: { to: { role: web, env: production }, rolling: { batch: "25%" } } }
        """;

    [Fact]
    public void Parse_DesignManifest_ProducesItsValues()
    {
        // Act
        var manifest = ManifestAssert.Parse(DesignManifest);

        // Assert
        Assert.Equal("pinger", manifest.App);
        Assert.Equal(DeployStrategy.RemoteBuild, manifest.Strategy);
        Assert.Equal(".", manifest.Source.Path);
        Assert.Null(manifest.Source.Git);
        Assert.Equal("role=build", manifest.Build.On.ToString());
        Assert.Equal(BuildTool.MixRelease, manifest.Build.Tool);
        Assert.Equal("prod", manifest.Build.MixEnv);
        Assert.Equal(Toolchain.System, manifest.Build.Toolchain);
        Assert.True(manifest.Build.IncludeErts);
        Assert.Equal("role=web", manifest.Deploy.To.ToString());
        Assert.Equal("apps/pinger", manifest.Deploy.Path);
        Assert.Equal(5, manifest.Deploy.KeepReleases);
        Assert.Equal(RollingBatch.Count(1), manifest.Deploy.Rolling.Batch);
        Assert.Equal(0, manifest.Deploy.Rolling.MaxFailures);
        Assert.Equal("4000", Assert.Single(manifest.Deploy.Env, e => e.Key == "PORT").Value);
        Assert.Null(manifest.Deploy.RunCommand);
        Assert.Equal("http://127.0.0.1:${PORT}/", manifest.Health.Http);
        Assert.Equal(TimeSpan.FromSeconds(30), manifest.Health.Timeout);
        var hook = Assert.Single(manifest.Hooks);
        Assert.Equal("migrate", hook.Name);
        Assert.Equal(HookStage.AfterActivate, hook.At);
        Assert.Equal(["bin/pinger", "eval", "Pinger.Release.migrate()"], Assert.Single(hook.Run));
        Assert.Empty(hook.Rollback);
        Assert.Empty(hook.Ensure);
        Assert.False(hook.IgnoreFailure);
        Assert.Null(manifest.Environment);
        Assert.Equal(["staging", "production"], manifest.EnvironmentNames);
    }

    [Fact]
    public void Parse_OnlyApp_UsesDefaults()
    {
        // Act
        var manifest = ManifestAssert.Parse("app: hello\n");

        // Assert
        Assert.Equal("hello", manifest.App);
        Assert.Equal(DeployStrategy.RemoteBuild, manifest.Strategy);
        Assert.Equal(".", manifest.Source.Path);
        Assert.Equal("role=build", manifest.Build.On.ToString());
        Assert.Equal(BuildTool.MixRelease, manifest.Build.Tool);
        Assert.Equal("prod", manifest.Build.MixEnv);
        Assert.True(manifest.Build.IncludeErts);
        Assert.Equal("role=web", manifest.Deploy.To.ToString());
        Assert.Equal("apps/hello", manifest.Deploy.Path);
        Assert.Equal(5, manifest.Deploy.KeepReleases);
        Assert.Equal(RollingBatch.Count(1), manifest.Deploy.Rolling.Batch);
        Assert.Equal(TimeSpan.Zero, manifest.Deploy.Rolling.Pause);
        Assert.Empty(manifest.Deploy.Env);
        Assert.Null(manifest.Deploy.RunCommand);
        Assert.False(manifest.Health.IsConfigured);
        Assert.Empty(manifest.Hooks);
        Assert.Empty(manifest.EnvironmentNames);
    }

    [Fact]
    public void Parse_NoAppWithDefaultApp_UsesDefaultAppForNameAndPath()
    {
        // Act
        var manifest = ManifestAssert.Parse("strategy: source\n", defaultApp: "hello");

        // Assert
        Assert.Equal("hello", manifest.App);
        Assert.Equal("apps/hello", manifest.Deploy.Path);
        Assert.Equal(DeployStrategy.Source, manifest.Strategy);
    }

    [Fact]
    public void Parse_EveryAlternativeForm_IsAccepted()
    {
        // Arrange
        const string yaml = """
            app: shop_2
            strategy: local-build
            source: { git: "https://example.org/shop.git", ref: v1.2.0 }
            build: { on: { role: ci, arch: x86_64 }, tool: distillery, mix_env: staging, toolchain: asdf, include_erts: false }
            deploy:
              to: { role: web }
              path: /srv/shop
              keep_releases: 2
              rolling: { batch: all, max_failures: 1, pause: 500ms }
              env: { PORT: 4000, DEBUG: true, EMPTY: "", UNSET: ~ }
              run: { command: ["mix", "phx.server"] }
            health: { tcp: "127.0.0.1:${PORT}", timeout: 2m, interval: 1, retries: 3 }
            hooks:
              - name: seed
                at: before-activate
                run: [["mix", "run", "seed.exs"], ["echo", ""]]
                ensure: ["rm", "-f", "tmp/seed.lock"]
                ignore_failure: true
              - { name: warm, at: after-start, run: ["curl", "localhost"] }
            """;

        // Act
        var manifest = ManifestAssert.Parse(yaml);

        // Assert
        Assert.Equal(DeployStrategy.LocalBuild, manifest.Strategy);
        Assert.Null(manifest.Source.Path);
        Assert.Equal("https://example.org/shop.git", manifest.Source.Git);
        Assert.Equal("v1.2.0", manifest.Source.Ref);
        Assert.Equal("arch=x86_64,role=ci", manifest.Build.On.ToString());
        Assert.Equal(BuildTool.Distillery, manifest.Build.Tool);
        Assert.Equal("staging", manifest.Build.MixEnv);
        Assert.Equal(Toolchain.Asdf, manifest.Build.Toolchain);
        Assert.False(manifest.Build.IncludeErts);
        Assert.Equal("/srv/shop", manifest.Deploy.Path);
        Assert.Equal(2, manifest.Deploy.KeepReleases);
        Assert.Equal(RollingBatch.All, manifest.Deploy.Rolling.Batch);
        Assert.Equal(1, manifest.Deploy.Rolling.MaxFailures);
        Assert.Equal(TimeSpan.FromMilliseconds(500), manifest.Deploy.Rolling.Pause);
        Assert.Equal(new Dictionary<string, string> { ["PORT"] = "4000", ["DEBUG"] = "true", ["EMPTY"] = "" }, manifest.Deploy.Env);
        Assert.Equal(["mix", "phx.server"], manifest.Deploy.RunCommand);
        Assert.Equal("127.0.0.1:${PORT}", manifest.Health.Tcp);
        Assert.Equal(TimeSpan.FromMinutes(2), manifest.Health.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(1), manifest.Health.Interval);
        Assert.Equal(3, manifest.Health.Retries);
        Assert.Equal(2, manifest.Hooks.Count);
        Assert.Equal([["mix", "run", "seed.exs"], ["echo", ""]], manifest.Hooks[0].Run);
        Assert.Equal([["rm", "-f", "tmp/seed.lock"]], manifest.Hooks[0].Ensure);
        Assert.True(manifest.Hooks[0].IgnoreFailure);
        Assert.Equal(HookStage.AfterStart, manifest.Hooks[1].At);
    }

    [Theory]
    [InlineData("run: [\"mix\", \"phx.server\"]")]
    [InlineData("run:\n    - mix\n    - phx.server")]
    public void Parse_RunAsList_IsTheCommand(string run)
    {
        // Act
        var manifest = ManifestAssert.Parse($"app: web\ndeploy:\n  {run}\n");

        // Assert
        Assert.Equal(["mix", "phx.server"], manifest.Deploy.RunCommand);
    }

    [Theory]
    [InlineData("3", RollingBatchKind.Count, 3)]
    [InlineData("\"25%\"", RollingBatchKind.Percent, 25)]
    [InlineData("100%", RollingBatchKind.Percent, 100)]
    [InlineData("all", RollingBatchKind.All, 0)]
    public void Parse_RollingBatch_ReadsEachForm(string batch, RollingBatchKind kind, int value)
    {
        // Act
        var manifest = ManifestAssert.Parse($"app: web\ndeploy: {{ rolling: {{ batch: {batch} }} }}\n");

        // Assert
        Assert.Equal(new RollingBatch(kind, value), manifest.Deploy.Rolling.Batch);
    }
}
