using Akd.Core.Manifest;
using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>
/// The <c>source</c> strategy's build, done in the release directory on each target: install the
/// toolchain from <c>.tool-versions</c> (asdf), then <c>mix deps.get --only ENV</c> and
/// <c>MIX_ENV=ENV mix compile</c>, so the app can run from there with <c>mix run</c>.
/// </summary>
public static class SourceCompiler
{
    public static async Task CompileAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct)
    {
        var build = context.Manifest.Build;
        await BuildCommand.PrepareToolchainAsync(context, log, ct).ConfigureAwait(false);

        // Hex dependencies need Hex (and rebar3 for Erlang ones), and the target must reach hex.pm
        // (or the source must vendor deps/). Mix would otherwise ask on a closed stdin and fail.
        if (UsesHex(context.ProjectDir))
        {
            await BuildCommand.MixAsync(context, ["local.hex", "--force", "--if-missing"], log, ct).ConfigureAwait(false);
            await BuildCommand.MixAsync(context, ["local.rebar", "--force", "--if-missing"], log, ct).ConfigureAwait(false);
        }

        await BuildCommand.MixAsync(context, ["deps.get", "--only", build.MixEnv], log, ct).ConfigureAwait(false);
        await BuildCommand.MixAsync(context, ["compile"], log, ct).ConfigureAwait(false);
    }

    /// <summary>True when mix.lock pins a hex package (a project without one needs no Hex at all).</summary>
    internal static bool UsesHex(string projectDir)
    {
        var lockFile = Path.Combine(projectDir, "mix.lock");
        return File.Exists(lockFile) && File.ReadAllText(lockFile).Contains("{:hex,", StringComparison.Ordinal);
    }
}
