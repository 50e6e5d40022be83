using Akd.Core.Processes;

namespace Akd.Core.Builders;

/// <summary>
/// The <c>source</c> strategy's build, done in the release directory on each target: install the
/// toolchain from <c>.tool-versions</c> (asdf), then Hex, rebar3 and <c>mix deps.get --only ENV</c> (<see cref="DepsFetch"/>) and
/// <c>MIX_ENV=ENV mix compile</c>, so the app can run from there with <c>mix run</c>.
/// </summary>
public static class SourceCompiler
{
    public static async Task CompileAsync(BuildContext context, Action<OutputLine> log, CancellationToken ct)
    {
        await BuildCommand.PrepareToolchainAsync(context, log, ct).ConfigureAwait(false);

        // The shared step: Hex and rebar3 when the deps need them, then deps.get. The target must reach
        // hex.pm (or a HEX_MIRROR) for Hex packages, or the source must vendor deps/.
        await DepsFetch.FetchAsync(context, log, ct).ConfigureAwait(false);
        await BuildCommand.MixAsync(context, ["compile"], log, ct).ConfigureAwait(false);
    }
}
