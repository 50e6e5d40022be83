using Akd.Agent.Builds;
using Akd.Core.Builders;
using Akd.Core.Manifest;

namespace Akd.Agent.Releases;

/// <summary>
/// The command <see cref="CommandAppRunner"/> runs. For the source strategy: <c>deploy.run</c> or, by
/// default, <c>mix phx.server</c> for a Phoenix app and <c>mix run --no-halt</c> otherwise, through the
/// manifest's toolchain and with MIX_ENV and the build's HOME/MIX_HOME and MIX_REBAR3 (mix needs them at run time too).
/// </summary>
/// <param name="Configured">The manifest's <c>deploy.run</c> command, or null for the default.</param>
internal sealed record AppCommand(
    IReadOnlyList<string>? Configured, Toolchain Toolchain, bool FromSource, IReadOnlyDictionary<string, string?> ExtraEnv)
{
    public static AppCommand For(AppManifest manifest, AgentOptions options)
    {
        if (manifest.Strategy != DeployStrategy.Source)
        {
            return new AppCommand(manifest.Deploy.RunCommand, Toolchain.System, FromSource: false, new Dictionary<string, string?>());
        }

        var env = new Dictionary<string, string?>(BuildEnvironment.ForMix(options)) { ["MIX_ENV"] = manifest.Build.MixEnv };
        return new AppCommand(manifest.Deploy.RunCommand, manifest.Build.Toolchain, FromSource: true, env);
    }

    /// <summary>The argument array to run in <paramref name="releaseDir"/>.</summary>
    public IReadOnlyList<string> For(string releaseDir)
    {
        var command = Configured
            ?? (MixProject.TryRead(releaseDir)?.IsPhoenix == true ? ["mix", "phx.server"] : ["mix", "run", "--no-halt"]);
        return FromSource ? ToolchainCommand.Resolve(Toolchain, command) : command;
    }
}
