using System.Globalization;
using System.Text.RegularExpressions;

namespace Akd.Installers.Tests;

internal sealed record VerifyResult(int ExitCode, IReadOnlyList<string> Lines);

internal sealed record SecurityResult(int ExitCode, double? Exposure, IReadOnlyList<string> Lines);

/// <summary>Runs the real <c>systemd-analyze</c> on a unit file.</summary>
internal static partial class SystemdAnalyze
{
    public const string InstallHint =
        "systemd-analyze is not installed; the systemd unit tests need it: apt-get install -y systemd";

    private static readonly Dictionary<string, string> Environment = new()
    {
        ["SYSTEMD_COLORS"] = "0",
        ["SYSTEMD_PAGER"] = "",
        ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin",
    };

    public static string? FindExecutable() => Tool.Find("systemd-analyze");

    public static async Task<VerifyResult> VerifyAsync(
        string executable, string unitPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await Tool.RunAsync(executable, ["verify", unitPath], timeout, cancellationToken, Environment);
        return new VerifyResult(result.ExitCode, result.Lines);
    }

    /// <summary>
    /// <c>systemd-analyze security --offline=true</c>: the unit file alone is rated, as it is written,
    /// without a running systemd.
    /// </summary>
    public static async Task<SecurityResult> SecurityAsync(
        string executable, string unitPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var result = await Tool.RunAsync(
            executable, ["security", "--offline=true", "--no-pager", unitPath], timeout, cancellationToken, Environment);
        var match = OverallExposure().Match(result.Output);
        double? exposure = match.Success ? double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : null;
        return new SecurityResult(result.ExitCode, exposure, result.Lines);
    }

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d+)")]
    private static partial Regex OverallExposure();
}
