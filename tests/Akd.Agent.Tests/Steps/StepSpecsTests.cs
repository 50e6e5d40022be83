using Akd.Agent.Reporting;
using Akd.Agent.Steps;
using Akd.Contracts.V1;
using Akd.Core.Manifest;
using Akd.Manifest;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Akd.Agent.Tests.Steps;

public sealed class StepSpecsTests
{
    [Fact]
    public void ManifestOf_ActivateSpec_SameModelAsTheLoaderReadsFromTheYaml()
    {
        // Arrange: the spec a coordinator sends for this manifest (built by hand: the agent has no YAML in it).
        var expected = ManifestLoader.Parse("""
            app: pinger
            strategy: source
            build: { mix_env: staging, toolchain: asdf }
            deploy: { path: apps/p, keep_releases: 3, env: { PORT: "4001" }, run: ["mix", "run", "--no-halt"] }
            health: { tcp: "127.0.0.1:${PORT}", timeout: 9s, interval: 100ms, retries: 7 }
            hooks:
              - { name: seed, at: after-start, run: [["mix", "run", "seed.exs"]], ensure: [["true"]], ignore_failure: true }
            """, "akd.yaml", null, null);
        var spec = new ActivateSpec
        {
            App = "pinger", Strategy = Strategy.Source, DeployPath = "apps/p", KeepReleases = 3, Env = { ["PORT"] = "4001" },
            Build = new BuildConfig { Tool = ReleaseTool.MixRelease, MixEnv = "staging", Toolchain = ToolchainKind.Asdf, IncludeErts = true },
            Run = new Argv { Args = { "mix", "run", "--no-halt" } },
            Health = new HealthCheck
            {
                Tcp = "127.0.0.1:${PORT}", Timeout = Duration.FromTimeSpan(TimeSpan.FromSeconds(9)),
                Interval = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(100)), Retries = 7,
            },
            Hooks =
            {
                new Hook
                {
                    Name = "seed", At = HookPoint.AfterStart, IgnoreFailure = true,
                    Run = { new Argv { Args = { "mix", "run", "seed.exs" } } }, Ensure = { new Argv { Args = { "true" } } },
                },
            },
        };

        // Act
        var manifest = StepSpecs.ManifestOf(new StepCommand { ActivateSpec = spec, Activate = new ActivateStep() });

        // Assert
        Assert.Equal((expected.App, expected.Strategy), (manifest.App, manifest.Strategy));
        Assert.Equal(BuildOf(expected), BuildOf(manifest));
        Assert.Equal((expected.Deploy.Path, expected.Deploy.KeepReleases), (manifest.Deploy.Path, manifest.Deploy.KeepReleases));
        Assert.Equal(expected.Deploy.Env, manifest.Deploy.Env);
        Assert.Equal(expected.Deploy.RunCommand, manifest.Deploy.RunCommand);
        Assert.Equal(expected.Health with { Command = null }, manifest.Health with { Command = null });
        Assert.Null(manifest.Health.Command);
        var (hook, expectedHook) = (Assert.Single(manifest.Hooks), Assert.Single(expected.Hooks));
        Assert.Equal((expectedHook.Name, expectedHook.At, expectedHook.IgnoreFailure), (hook.Name, hook.At, hook.IgnoreFailure));
        Assert.Equal(expectedHook.Run, hook.Run);
        Assert.Equal(expectedHook.Ensure, hook.Ensure);
        Assert.Empty(hook.Rollback);
    }

    [Theory]
    [InlineData(false, false, StartOverlapMode.Off)]
    [InlineData(true, false, StartOverlapMode.PortClosed)]
    [InlineData(true, true, StartOverlapMode.SharedPort)]
    public void ManifestOf_StartOverlapFlags_TheirMode(bool overlap, bool sharedPort, StartOverlapMode expected)
    {
        // Arrange
        var spec = new ActivateSpec { App = "pinger", StartOverlap = overlap, StartOverlapSharedPort = sharedPort };

        // Act
        var manifest = StepSpecs.ManifestOf(new StepCommand { ActivateSpec = spec, Activate = new ActivateStep() });

        // Assert
        Assert.Equal(expected, manifest.Deploy.StartOverlap);
    }

    [Fact]
    public void ManifestOf_BuildSpec_BuildSettingsAndNoDeployEnv()
    {
        // Arrange
        var command = new StepCommand
        {
            Build = new BuildStep(),
            BuildSpec = new BuildSpec
            {
                App = "pinger", Environment = "staging", DeployPath = "/srv/p",
                Build = new BuildConfig { Tool = ReleaseTool.Distillery, MixEnv = "prod", Toolchain = ToolchainKind.System },
            },
        };

        // Act
        var manifest = StepSpecs.ManifestOf(command);

        // Assert
        Assert.Equal(("pinger", "staging", "/srv/p"), (manifest.App, manifest.Environment, manifest.Deploy.Path));
        Assert.Equal((BuildTool.Distillery, "prod", Core.Manifest.Toolchain.System, false), BuildOf(manifest));
        Assert.Empty(manifest.Deploy.Env);
    }

    [Fact]
    public void ManifestOf_CommandFromANewerMinorWithUnknownFields_SkipsThemAndRoundTrips()
    {
        // Arrange: what a coordinator one minor ahead may send: a field this agent does not know,
        // inside the spec (field 99) and on the command itself (field 199).
        var spec = new ActivateSpec { App = "hello", Strategy = Strategy.RemoteBuild, KeepReleases = 5 };
        var command = new StepCommand { StepId = "s1", DeadlineSeconds = 60, Activate = new ActivateStep { ReleaseId = "0.1.0-x" } };
        command.ActivateSpec = ActivateSpec.Parser.ParseFrom(WithUnknownField(spec.ToByteArray(), 99, "deploy.upgrade: hot"));
        var wire = WithUnknownField(command.ToByteArray(), 199, "a newer envelope field");

        // Act
        var received = StepCommand.Parser.ParseFrom(wire);
        var manifest = StepSpecs.ManifestOf(received);

        // Assert: the step is understood, and what it did not know survives a re-send unchanged.
        Assert.Equal(("hello", DeployStrategy.RemoteBuild, 5), (manifest.App, manifest.Strategy, manifest.Deploy.KeepReleases));
        Assert.Equal(("s1", "0.1.0-x"), (received.StepId, received.Activate.ReleaseId));
        Assert.Equal(wire, received.ToByteArray());
    }

    [Fact]
    public void ManifestOf_NoSpec_FailsTheStepNamingTheProtocol()
    {
        // Arrange: a step as a protocol-1 coordinator sent it (the manifest's text in a field this agent skips).
        var command = StepCommand.Parser.ParseFrom(WithUnknownField(new StepCommand { StepId = "s1", Activate = new ActivateStep() }.ToByteArray(), 4, "app: hello"));

        // Act
        var error = Assert.Throws<StepFailedException>(() => StepSpecs.ManifestOf(command));

        // Assert
        Assert.Contains($"this agent speaks protocol {AgentProtocol.Major}.{AgentProtocol.Minor}", error.Message);
    }

    private static (BuildTool, string, Core.Manifest.Toolchain, bool) BuildOf(AppManifest m) => (m.Build.Tool, m.Build.MixEnv, m.Build.Toolchain, m.Build.IncludeErts);

    /// <summary><paramref name="message"/> followed by a length-delimited field this code's generated classes do not declare.</summary>
    private static byte[] WithUnknownField(byte[] message, int field, string value)
    {
        using var buffer = new MemoryStream();
        buffer.Write(message);
        using var output = new CodedOutputStream(buffer, leaveOpen: true);
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
        output.Flush();
        return buffer.ToArray();
    }
}
