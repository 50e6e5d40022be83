using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>
/// The step every build runs before <c>mix deps.get</c> (remote-build and local-build through
/// <see cref="DepsFetch"/>, the source strategy too): makes sure Mix has Hex when the project uses Hex
/// packages and rebar3 when a dependency is built by rebar3, so that Mix never stops to ask (stdin is
/// closed, so it would answer no and fail). A <c>rebar3</c> on the PATH is used before anything is
/// downloaded; downloads go into the build's own <c>MIX_HOME</c>, once. What cannot be provided fails
/// the build with one line naming what is missing and how to provide it.
/// </summary>
internal static class MixPrerequisites
{
    private const string OrganizationKeyVariable = "HEX_ORGANIZATION_KEY";

    /// <summary>Ensures what the project needs now, except what <paramref name="ensured"/> already covers; returns what is covered after.</summary>
    public static async Task<MixDependencies.Needs> EnsureAsync(
        BuildContext context, MixDependencies.Needs ensured, Action<OutputLine> log, CancellationToken ct)
    {
        var needs = MixDependencies.Detect(context.ProjectDir);
        if (needs.Hex is { } hexReason && ensured.Hex is null)
        {
            await EnsureHexAsync(context, hexReason, log, ct).ConfigureAwait(false);
        }

        if (needs.Rebar3 is { } rebarReason && ensured.Rebar3 is null)
        {
            await EnsureRebar3Async(context, rebarReason, log, ct).ConfigureAwait(false);
        }

        return new MixDependencies.Needs(ensured.Hex ?? needs.Hex, ensured.Rebar3 ?? needs.Rebar3);
    }

    private static async Task EnsureHexAsync(BuildContext context, string reason, Action<OutputLine> log, CancellationToken ct)
    {
        var env = context.MixEnvironment();
        if (MixTools.HexVersion(env) is { } installed)
        {
            log(Note($"Hex {installed} ({reason}): installed in {MixTools.ArchivesDir(env)}"));
            return;
        }

        log(Note($"Hex is needed ({reason}) and not installed in {MixTools.ArchivesDir(env)}: installing it with mix local.hex --force"));
        if (!await TryMixAsync(context, ["local.hex", "--force"], log, ct).ConfigureAwait(false) || MixTools.HexVersion(env) is not { } version)
        {
            throw new BuildFailedException(
                $"Hex is missing ({reason}) and mix local.hex could not download it: give this build host a route to hex.pm, " +
                $"set HEX_MIRROR to a Hex mirror in {context.SettingsHint}, or install Hex into {MixTools.MixHome(env)} (mix archive.install hex-VSN.ez)");
        }

        log(Note($"Hex {version} installed into {MixTools.ArchivesDir(env)}"));
    }

    private static async Task EnsureRebar3Async(BuildContext context, string reason, Action<OutputLine> log, CancellationToken ct)
    {
        // As configured, so that the log tells a MIX_REBAR3 someone set from a rebar3 found on the PATH.
        var env = context.MixEnvironment(rebar3FromPath: false);
        if (MixTools.FindRebar3(env) is { } found)
        {
            if (MixTools.Variable(env, MixTools.Rebar3Variable) is { } configured && !File.Exists(configured) && MixTools.FindOnPath(configured, env) is null)
            {
                throw new BuildFailedException($"rebar3 is needed ({reason}), but {MixTools.Rebar3Variable}={configured} does not exist: install rebar3 (apt-get install rebar3) or correct {MixTools.Rebar3Variable}");
            }

            log(Note($"rebar3 ({reason}): {found.Source}"));
            return;
        }

        log(Note($"rebar3 is needed ({reason}) and is neither on the PATH nor in {MixTools.MixHome(env)}: installing it with mix local.rebar --force"));
        if (!await TryMixAsync(context, ["local.rebar", "--force"], log, ct).ConfigureAwait(false) || MixTools.FindRebar3(env) is not { } installed)
        {
            throw new BuildFailedException(
                $"rebar3 is missing ({reason}): it is not on the build host's PATH and mix local.rebar could not download it; " +
                $"install it on the build host (apt-get install rebar3), point {MixTools.Rebar3Variable} at one, or set HEX_MIRROR to a Hex mirror in {context.SettingsHint}");
        }

        log(Note($"rebar3 installed: {installed.Source}"));
    }

    /// <summary>
    /// Private Hex packages: with <c>HEX_ORGANIZATION_KEY</c> in the build env, authorizes each organization
    /// the project names (<c>mix hex.organization auth ORG --key KEY</c>, as Hex documents for build
    /// servers) right before deps.get: recent Hex exchanges the key for a short-lived token.
    /// </summary>
    public static async Task AuthorizeOrganizationsAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct)
    {
        var organizations = MixDependencies.Organizations(context.ProjectDir);
        if (organizations.Count == 0)
        {
            return;
        }

        if (MixTools.Variable(context.MixEnvironment(rebar3FromPath: false), OrganizationKeyVariable) is not { } key)
        {
            log(Note($"Hex organization {string.Join(", ", organizations)}: no {OrganizationKeyVariable} in the build env, using the authorization already in HEX_HOME"));
            return;
        }

        // The key may come from this process's env (local-build) rather than the build_env: mask it either way.
        var masked = SecretMask.Wrap(log, [key]);
        foreach (var organization in organizations)
        {
            masked(Note($"authorizing Hex organization {organization} with {OrganizationKeyVariable} from the build env"));
            try
            {
                await BuildCommand.MixAsync(context, ["hex.organization", "auth", organization, "--key", key], masked, ct).ConfigureAwait(false);
            }
            catch (BuildFailedException)
            {
                throw new BuildFailedException(
                    $"Hex organization {organization} could not be authorized with {OrganizationKeyVariable} (mix hex.organization auth failed): " +
                    $"check the key (mix hex.organization key {organization} generate) and this build host's route to hex.pm");
            }
        }
    }

    private static async Task<bool> TryMixAsync(BuildContext context, IReadOnlyList<string> args, Action<OutputLine> log, CancellationToken ct)
    {
        try
        {
            await BuildCommand.MixAsync(context, args, log, ct).ConfigureAwait(false);
            return true;
        }
        catch (BuildFailedException ex)
        {
            log(Note(ex.Message));
            return false;
        }
    }

    private static OutputLine Note(string text) => new("agent", text);
}
