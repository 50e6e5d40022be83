using Akd.Contracts.V1;
using Akd.Core.Manifest;
using Google.Protobuf.WellKnownTypes;

namespace Akd.Coordinator.Deployments;

/// <summary>
/// The manifest the coordinator resolved (overlay, defaults, app name), as the typed specs steps carry:
/// agents never parse YAML. The one place that maps the manifest model onto the wire.
/// </summary>
internal static class StepSpecs
{
    /// <summary>For the build agent: no <c>deploy.env</c>, which is for the targets and may hold secrets.</summary>
    public static BuildSpec Build(AppManifest manifest) => new()
    {
        App = manifest.App,
        Environment = manifest.Environment ?? "",
        Build = Config(manifest.Build),
        Hooks = { manifest.Hooks.Select(HookOf) },
        DeployPath = manifest.Deploy.Path,
        Upgrade = PolicyOf(manifest.Deploy.Upgrade),
    };

    /// <summary>For every step on a target host; the host's own env (agent config) is applied there.</summary>
    public static ActivateSpec Activate(AppManifest manifest)
    {
        var spec = new ActivateSpec
        {
            App = manifest.App,
            Environment = manifest.Environment ?? "",
            Strategy = manifest.Strategy switch
            {
                DeployStrategy.LocalBuild => Strategy.LocalBuild,
                DeployStrategy.Source => Strategy.Source,
                _ => Strategy.RemoteBuild,
            },
            Build = Config(manifest.Build),
            DeployPath = manifest.Deploy.Path,
            KeepReleases = manifest.Deploy.KeepReleases,
            Env = { manifest.Deploy.Env.ToDictionary() },
            Health = Health(manifest.Health),
            Hooks = { manifest.Hooks.Select(HookOf) },
            Upgrade = PolicyOf(manifest.Deploy.Upgrade),
            User = manifest.Deploy.User,
            StartOverlap = manifest.Deploy.StartOverlap != StartOverlapMode.Off,
            StartOverlapSharedPort = manifest.Deploy.StartOverlap == StartOverlapMode.SharedPort,
        };
        if (manifest.Deploy.RunCommand is { } run)
        {
            spec.Run = ArgvOf(run);
        }

        return spec;
    }

    private static BuildConfig Config(BuildSettings build) => new()
    {
        Tool = build.Tool == BuildTool.Distillery ? ReleaseTool.Distillery : ReleaseTool.MixRelease,
        MixEnv = build.MixEnv,
        Toolchain = build.Toolchain == Akd.Core.Manifest.Toolchain.Asdf ? ToolchainKind.Asdf : ToolchainKind.System,
        IncludeErts = build.IncludeErts,
    };

    private static HealthCheck Health(HealthSettings health)
    {
        var check = new HealthCheck
        {
            Http = health.Http ?? "",
            Tcp = health.Tcp ?? "",
            Expect = health.Expect ?? "",
            Timeout = Duration.FromTimeSpan(health.Timeout),
            Interval = Duration.FromTimeSpan(health.Interval),
            Retries = health.Retries,
        };
        if (health.Command is { } command)
        {
            check.Command = ArgvOf(command);
        }

        return check;
    }

    private static Hook HookOf(HookSpec hook) => new()
    {
        Name = hook.Name,
        At = hook.At switch
        {
            HookStage.BeforeBuild => HookPoint.BeforeBuild,
            HookStage.AfterBuild => HookPoint.AfterBuild,
            HookStage.BeforeActivate => HookPoint.BeforeActivate,
            HookStage.AfterActivate => HookPoint.AfterActivate,
            _ => HookPoint.AfterStart,
        },
        Run = { hook.Run.Select(ArgvOf) },
        Ensure = { hook.Ensure.Select(ArgvOf) },
        Rollback = { hook.Rollback.Select(ArgvOf) },
        IgnoreFailure = hook.IgnoreFailure,
    };

    private static UpgradePolicy PolicyOf(UpgradeMode mode) => mode switch
    {
        UpgradeMode.Hot => UpgradePolicy.Hot,
        UpgradeMode.Auto => UpgradePolicy.Auto,
        _ => UpgradePolicy.Restart,
    };

    private static Argv ArgvOf(IReadOnlyList<string> args) => new() { Args = { args } };
}
