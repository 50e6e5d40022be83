using Akd.Agent.Reporting;
using Akd.Contracts.V1;
using Akd.Core.Manifest;

namespace Akd.Agent.Steps;

/// <summary>
/// The app a step carries, as the coordinator resolved it (<see cref="BuildSpec"/> or <see cref="ActivateSpec"/>),
/// in the model the agent's features and Core work with. The agent never reads YAML.
/// </summary>
internal static class StepSpecs
{
    /// <exception cref="StepFailedException">The step carries no spec (a coordinator of another protocol).</exception>
    public static AppManifest ManifestOf(StepCommand command) => command.SpecCase switch
    {
        StepCommand.SpecOneofCase.BuildSpec => FromBuild(command.BuildSpec),
        StepCommand.SpecOneofCase.ActivateSpec => FromActivate(command.ActivateSpec),
        _ => throw new StepFailedException(
            $"the step carries no app spec; this agent speaks protocol {AgentProtocol.Format(AgentProtocol.Current)}: is the coordinator of another version?"),
    };

    private static AppManifest FromBuild(BuildSpec spec) => new()
    {
        App = spec.App,
        Environment = NullIfEmpty(spec.Environment),
        Build = Settings(spec.Build),
        Deploy = new DeploySettings { Path = spec.DeployPath, Upgrade = ModeOf(spec.Upgrade) },
        Hooks = [.. spec.Hooks.Select(HookOf)],
    };

    private static AppManifest FromActivate(ActivateSpec spec) => new()
    {
        App = spec.App,
        Environment = NullIfEmpty(spec.Environment),
        Strategy = spec.Strategy switch
        {
            Strategy.LocalBuild => DeployStrategy.LocalBuild,
            Strategy.Source => DeployStrategy.Source,
            _ => DeployStrategy.RemoteBuild,
        },
        Build = Settings(spec.Build),
        Deploy = new DeploySettings
        {
            Path = spec.DeployPath,
            KeepReleases = spec.KeepReleases,
            Env = new Dictionary<string, string>(spec.Env, StringComparer.Ordinal),
            RunCommand = spec.Run is null ? null : ArgsOf(spec.Run),
            Upgrade = ModeOf(spec.Upgrade),
            User = spec.User,
            StartOverlap = spec.StartOverlapSharedPort ? StartOverlapMode.SharedPort
                : spec.StartOverlap ? StartOverlapMode.PortClosed
                : StartOverlapMode.Off,
        },
        Health = Health(spec.Health),
        Hooks = [.. spec.Hooks.Select(HookOf)],
    };

    private static BuildSettings Settings(BuildConfig? build) => build is null ? new() : new()
    {
        Tool = build.Tool == ReleaseTool.Distillery ? BuildTool.Distillery : BuildTool.MixRelease,
        MixEnv = build.MixEnv,
        Toolchain = build.Toolchain == ToolchainKind.Asdf ? Akd.Core.Manifest.Toolchain.Asdf : Akd.Core.Manifest.Toolchain.System,
        IncludeErts = build.IncludeErts,
    };

    private static HealthSettings Health(HealthCheck? check)
    {
        var health = new HealthSettings();
        return check is null ? health : health with
        {
            Http = NullIfEmpty(check.Http),
            Tcp = NullIfEmpty(check.Tcp),
            Command = check.Command is null ? null : ArgsOf(check.Command),
            Expect = NullIfEmpty(check.Expect),
            Timeout = check.Timeout?.ToTimeSpan() ?? health.Timeout,
            Interval = check.Interval?.ToTimeSpan() ?? health.Interval,
            Retries = check.Retries,
        };
    }

    private static HookSpec HookOf(Hook hook) => new()
    {
        Name = hook.Name,
        At = hook.At switch
        {
            HookPoint.BeforeBuild => HookStage.BeforeBuild,
            HookPoint.AfterBuild => HookStage.AfterBuild,
            HookPoint.BeforeActivate => HookStage.BeforeActivate,
            HookPoint.AfterActivate => HookStage.AfterActivate,
            HookPoint.AfterStart => HookStage.AfterStart,
            _ => throw new StepFailedException($"hook {hook.Name} runs at a point this agent does not know ({hook.At}); upgrade the agent"),
        },
        Run = [.. hook.Run.Select(ArgsOf)],
        Ensure = [.. hook.Ensure.Select(ArgsOf)],
        Rollback = [.. hook.Rollback.Select(ArgsOf)],
        IgnoreFailure = hook.IgnoreFailure,
    };

    private static UpgradeMode ModeOf(UpgradePolicy policy) => policy switch
    {
        UpgradePolicy.Hot => UpgradeMode.Hot,
        UpgradePolicy.Auto => UpgradeMode.Auto,
        _ => UpgradeMode.Restart,
    };

    private static IReadOnlyList<string> ArgsOf(Argv argv) => [.. argv.Args];

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}
