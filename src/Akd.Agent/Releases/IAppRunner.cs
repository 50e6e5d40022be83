using Akd.Agent.Apps;
using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Core.Manifest;

namespace Akd.Agent.Releases;

/// <summary>How an app is started, found and stopped on a host; one implementation per way of running it.</summary>
internal interface IAppRunner
{
    Task StartAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct);

    /// <summary>The OS pid of the app's VM, or null when it is not running.</summary>
    Task<int?> GetPidAsync(string releaseDir, IReadOnlyDictionary<string, string> env, CancellationToken ct);

    /// <summary>The OS pid of the app's VM if it can be found without running anything (e.g. in /proc); null when not found that way.</summary>
    int? FindPidQuietly(string releaseDir, IReadOnlyDictionary<string, string> env);

    /// <summary>
    /// How long after a start to rely on <see cref="FindPidQuietly"/> alone before <see cref="GetPidAsync"/>
    /// may ask the app itself: when asking is costly, the new VM should come up without that competition.
    /// </summary>
    TimeSpan QuietPidLookupWindow { get; }

    /// <summary>The logs the app itself writes while it boots, newest last or in any order; quoted when it does not come up.</summary>
    IEnumerable<string> BootLogFiles(string releaseDir);

    /// <summary>Stops what <paramref name="state"/> says is running: gracefully first, SIGKILL only as the last resort.</summary>
    Task StopAsync(string releaseDir, RunState state, CancellationToken ct);
}

internal static class AppRunners
{
    /// <summary>How this host runs releases: <c>systemd</c> (a transient unit per deploy path) or <c>detached</c>.</summary>
    public static string HostRunner(AgentOptions options) => UsesSystemd(options) ? "systemd" : "detached";

    /// <summary>
    /// Every app runs in a unit of its own where systemd is PID 1 (unless <c>--app-runner detached</c>), and as a
    /// detached process elsewhere: a command app (the source strategy, <c>deploy.run</c>) as a process group, a
    /// release through its own script.
    /// </summary>
    public static IAppRunner For(AppManifest manifest, StepReporter reporter, AgentOptions options, AppSandbox sandbox, TimeProvider clock)
    {
        var isCommand = manifest.Strategy == DeployStrategy.Source || manifest.Deploy.RunCommand is not null;
        var appCommand = isCommand ? AppCommand.For(manifest, options, sandbox) : null;
        if (appCommand is { FromSource: true, Toolchain: Toolchain.Asdf } && sandbox.User is { } user
            && AppMixHome.AsdfDataDir(appCommand.ExtraEnv) is var asdf && !AppMixHome.OthersCanRead(asdf))
        {
            reporter.Log($"warning: {user.Name} cannot read the asdf installs in {asdf}: keep them where every user may read them (ASDF_DATA_DIR=/opt/asdf, say), or `asdf exec` fails as the app's user");
        }

        if (UsesSystemd(options))
        {
            var command = appCommand;
            return new SystemdAppRunner(manifest.App, DeployPath.Resolve(manifest, options),
                command is null ? Foreground(manifest) : command.For, sandbox, reporter, options, clock)
            {
                ExtraEnv = command?.ExtraEnv ?? new Dictionary<string, string?>(),
                // A source app run as the agent's user may still compile into its release (a deploy.run without --no-compile).
                ReleaseWritable = command?.FromSource == true && sandbox.User is null,
            };
        }

        return isCommand
            ? new CommandAppRunner(appCommand!, SharedDir(manifest, options), reporter, options, clock) { Sandbox = sandbox }
            : manifest.Build.Tool == BuildTool.Distillery
                ? new DistilleryRunner(manifest.App, reporter, options, clock) { Sandbox = sandbox }
                : new MixReleaseRunner(manifest.App, reporter, options, clock) { Sandbox = sandbox };
    }

    private static bool UsesSystemd(AgentOptions options) =>
        options.AppRunner switch
        {
            "systemd" => true,
            "detached" => false,
            _ => SystemdAppRunner.IsAvailable,
        };

    /// <summary>The release in the foreground: <c>bin/APP start</c>, or distillery's <c>foreground</c> (node name from the env).</summary>
    private static Func<string, IReadOnlyList<string>> Foreground(AppManifest manifest) =>
        manifest.Build.Tool == BuildTool.Distillery
            ? dir => ["/usr/bin/env", "REPLACE_OS_VARS=true", Path.Combine(dir, "bin", manifest.App), "foreground"]
            : dir => [Path.Combine(dir, "bin", manifest.App), "start"];

    private static string SharedDir(AppManifest manifest, AgentOptions options) =>
        new Akd.Core.Releases.ReleaseLayout(DeployPath.Resolve(manifest, options)).SharedDir;
}
