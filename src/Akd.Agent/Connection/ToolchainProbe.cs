using System.Text.RegularExpressions;
using Akd.Contracts.V1;
using Akd.Core.Builders;
using Akd.Core.Processes;

namespace Akd.Agent.Connection;

/// <summary>Finds which Elixir tools this host has, for the hello message and <c>akdctl agents</c>.</summary>
internal static partial class ToolchainProbe
{
    /// <param name="buildEnv">The env builds run with (MIX_HOME, HOME, the build_env): where Hex and rebar3 are looked for.</param>
    /// <param name="timeout">How long each probe may take (<see cref="AgentOptions.ToolchainProbeTimeout"/>).</param>
    public static async Task<Toolchain> DetectAsync(IReadOnlyDictionary<string, string?> buildEnv, TimeSpan timeout, CancellationToken ct)
    {
        var rebar3Path = MixTools.FindRebar3(buildEnv)?.Path;
        var rebar3 = rebar3Path is null ? Task.FromResult("") : Run(rebar3Path, ["version"], timeout, ct);
        var elixir = Run("elixir", ["--version"], timeout, ct);
        var otp = Run("erl", ["-noshell", "-eval", "io:format(\"~s\", [erlang:system_info(otp_release)]), halt()."], timeout, ct);
        var mix = Run("mix", ["--version"], timeout, ct);
        var asdf = Run("asdf", ["--version"], timeout, ct);
        var git = Run("git", ["--version"], timeout, ct);
        await Task.WhenAll(elixir, otp, mix, asdf, git, rebar3).ConfigureAwait(false);
        return new Toolchain
        {
            Elixir = Match(ElixirVersion(), await elixir),
            Otp = (await otp).Trim(),
            Mix = Match(MixVersion(), await mix),
            Asdf = (await asdf).Trim(),
            Git = Match(GitVersion(), await git),
            Hex = MixTools.HexVersion(buildEnv) ?? "",
            Rebar3 = Match(Rebar3Version(), await rebar3),
        };
    }

    private static async Task<string> Run(string program, string[] args, TimeSpan timeout, CancellationToken ct)
    {
        try
        {
            // Each of these boots a BEAM; on a busy 2-core host that can take several seconds, and a probe
            // cut short would report Elixir as missing.
            var (result, stdout) = await ProcessRunner.CaptureAsync(new ProcessSpec(program, args) { Timeout = timeout }, ct).ConfigureAwait(false);
            return result.Succeeded ? stdout : "";
        }
        catch (ProcessStartException)
        {
            return "";
        }
    }

    private static string Match(Regex regex, string text) => regex.Match(text) is { Success: true } m ? m.Groups[1].Value : "";

    [GeneratedRegex(@"Elixir (\S+)")]
    private static partial Regex ElixirVersion();

    [GeneratedRegex(@"Mix (\S+)")]
    private static partial Regex MixVersion();

    [GeneratedRegex(@"rebar (\S+)")]
    private static partial Regex Rebar3Version();

    [GeneratedRegex(@"git version (\S+)")]
    private static partial Regex GitVersion();
}
