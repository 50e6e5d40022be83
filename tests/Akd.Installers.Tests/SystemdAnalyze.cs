using System.Diagnostics;

namespace Akd.Installers.Tests;

internal sealed record VerifyResult(int ExitCode, IReadOnlyList<string> Lines);

/// <summary>Runs the real <c>systemd-analyze verify</c> on a unit file.</summary>
internal static class SystemdAnalyze
{
    public const string InstallHint =
        "systemd-analyze is not installed; the systemd unit tests need it: apt-get install -y systemd";

    public static string? FindExecutable()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, "systemd-analyze"))
            .FirstOrDefault(File.Exists);
    }

    public static async Task<VerifyResult> VerifyAsync(
        string executable, string unitPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("verify");
        startInfo.ArgumentList.Add(unitPath);
        startInfo.Environment["SYSTEMD_COLORS"] = "0";
        startInfo.Environment["SYSTEMD_PAGER"] = "";

        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"could not start {executable}");
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);

        var stdout = process.StandardOutput.ReadToEndAsync(cts.Token);
        var stderr = process.StandardError.ReadToEndAsync(cts.Token);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"systemd-analyze verify {unitPath} did not finish within {timeout}.");
        }

        var lines = (await stdout + await stderr)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new VerifyResult(process.ExitCode, lines);
    }
}
