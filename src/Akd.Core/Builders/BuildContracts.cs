using Akd.Core.Manifest;
using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>Everything a builder needs: the project checkout, the manifest, and where to put the tarball.</summary>
public sealed record BuildContext(string ProjectDir, AppManifest Manifest, string OutputDir)
{
    /// <summary>Extra env for every build command (e.g. HOME and MIX_HOME on a service account).</summary>
    public IReadOnlyDictionary<string, string?> Env { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// Build secrets and settings for mix alone (<c>HEX_ORGANIZATION_KEY</c>, <c>HEX_MIRROR</c>,
    /// <c>GIT_SSH_COMMAND</c>...): given to the mix commands of the build (deps.get, compile, release,
    /// local.hex/local.rebar), never to hooks or apps; their values are masked in the build log.
    /// </summary>
    public IReadOnlyDictionary<string, string> BuildEnv { get; init; } = new Dictionary<string, string>();

    /// <summary>Where the user of this build sets HEX_MIRROR and the like: named in the errors that ask for them.</summary>
    public string SettingsHint { get; init; } = "the build agent's build_env";

    /// <summary>Deadline for each build command.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// Deadline for a question to the toolchain before the build (<c>asdf plugin list</c>): on the agent,
    /// <c>Agent:ToolchainProbeTimeout</c>, as for its other toolchain probes.
    /// </summary>
    public TimeSpan QueryTimeout { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary><c>deploy.upgrade</c>: anything but restart makes the build try to add a relup.</summary>
    public UpgradeMode Upgrade { get; init; } = UpgradeMode.Restart;

    /// <summary>The release the targets run, unpacked, to make the relup from; null when there is none.</summary>
    public Upgrades.PreviousReleaseDir? UpgradeFrom { get; init; }

    /// <summary>Why there is no <see cref="UpgradeFrom"/> (said when a hot upgrade is asked for).</summary>
    public string? UpgradeFromMissing { get; init; }

    /// <summary>The env of a build command other than mix (asdf): <see cref="Env"/> and MIX_ENV.</summary>
    internal Dictionary<string, string?> ToolEnvironment() => new(Env) { ["MIX_ENV"] = Manifest.Build.MixEnv };

    /// <summary>The env of a mix command: <see cref="ToolEnvironment"/>, the <see cref="BuildEnv"/>, and (unless told not to) a rebar3 on the PATH as MIX_REBAR3.</summary>
    internal Dictionary<string, string?> MixEnvironment(bool rebar3FromPath = true)
    {
        var env = ToolEnvironment();
        foreach (var (key, value) in BuildEnv)
        {
            env[key] = value;
        }

        env["MIX_ENV"] = Manifest.Build.MixEnv;
        if (rebar3FromPath)
        {
            MixTools.PreferRebar3OnPath(env);
        }

        return env;
    }
}

/// <summary>A verified release tarball, ready to upload.</summary>
public sealed record BuiltRelease(string TarballPath, string Sha256, long Size, string App, string Version, string? ErtsVersion)
{
    public bool IncludesErts => ErtsVersion is not null;

    /// <summary>What the build found about hot upgrades; null when none was asked for.</summary>
    public Upgrades.UpgradeFacts? Upgrade { get; init; }
}

public interface IReleaseBuilder
{
    Task<BuiltRelease> BuildAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct);
}

/// <summary>A build command failed, or the release it produced is broken. The message says which.</summary>
public sealed class BuildFailedException(string message) : Exception(message);

public static class ReleaseBuilders
{
    public static IReleaseBuilder For(BuildTool tool) => tool switch
    {
        BuildTool.MixRelease => new MixReleaseBuilder(),
        BuildTool.Distillery => new DistilleryBuilder(),
        _ => throw new BuildFailedException($"build.tool '{tool}' is not supported by this version of Akd; use mix-release or distillery"),
    };
}
