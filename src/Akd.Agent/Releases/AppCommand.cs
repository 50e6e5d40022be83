using Akd.Agent.Builds;
using Akd.Agent.Sandbox;
using Akd.Core.Builders;
using Akd.Core.Manifest;

namespace Akd.Agent.Releases;

/// <summary>
/// The command <see cref="CommandAppRunner"/> runs. For the source strategy: <c>deploy.run</c> or, by
/// default, <c>mix phx.server</c> for a Phoenix app and <c>mix run --no-halt</c> otherwise (both with
/// <c>--no-compile --no-deps-check</c>: the deploy compiled the release, and the app only reads its
/// <c>_build</c> and <c>deps</c>), through the manifest's toolchain and with MIX_ENV, HOME/MIX_HOME/HEX_HOME
/// and MIX_REBAR3 (mix needs them at run time too): the agent's, or the app's own in <c>shared/</c> where it
/// runs as its own user (<see cref="AppMixHome"/>).
/// </summary>
/// <param name="Configured">The manifest's <c>deploy.run</c> command, or null for the default.</param>
internal sealed record AppCommand(
    IReadOnlyList<string>? Configured, Toolchain Toolchain, bool FromSource, IReadOnlyDictionary<string, string?> ExtraEnv)
{
    /// <summary>mix starts the app from what the deploy built, and checks and writes nothing in the release.</summary>
    public static readonly string[] RunOnly = ["--no-compile", "--no-deps-check"];

    public static AppCommand For(AppManifest manifest, AgentOptions options, AppSandbox? sandbox = null)
    {
        if (manifest.Strategy != DeployStrategy.Source)
        {
            return new AppCommand(manifest.Deploy.RunCommand, Toolchain.System, FromSource: false, new Dictionary<string, string?>());
        }

        var buildEnv = BuildEnvironment.ForMix(options);
        var env = sandbox?.User is null
            ? new Dictionary<string, string?>(buildEnv)
            : AppMixHome.Prepare(sandbox, buildEnv, manifest.Build.Toolchain);
        env["MIX_ENV"] = manifest.Build.MixEnv;
        return new AppCommand(manifest.Deploy.RunCommand, manifest.Build.Toolchain, FromSource: true, env);
    }

    /// <summary>The argument array to run in <paramref name="releaseDir"/>.</summary>
    public IReadOnlyList<string> For(string releaseDir)
    {
        var command = Configured
            ?? (MixProject.TryRead(releaseDir)?.IsPhoenix == true ? ["mix", "phx.server", .. RunOnly] : ["mix", "run", "--no-halt", .. RunOnly]);
        return FromSource ? ToolchainCommand.Resolve(Toolchain, command) : command;
    }
}
