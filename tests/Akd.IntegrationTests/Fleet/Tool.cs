using System.Diagnostics;

namespace Akd.IntegrationTests.Fleet;

/// <summary>Runs a short command-line tool (mix new, which) and returns its exit code and output.</summary>
internal static class Tool
{
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string program, IEnumerable<string> args, string cwd, IReadOnlyDictionary<string, string>? env = null, int timeoutSeconds = 120)
    {
        var psi = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = cwd,
        };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        await process.WaitForExitAsync(cts.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The executable a running process was started from (/proc/PID/exe).</summary>
    public static string? ExecutableOf(int pid) => new FileInfo($"/proc/{pid}/exe").LinkTarget;

    /// <summary>The pid the agent recorded for the app it runs under <paramref name="deployPath"/>.</summary>
    public static int? RecordedPid(string deployPath)
    {
        var state = Path.Combine(deployPath, "shared", ".akd-run.json");
        if (!File.Exists(state))
        {
            return null;
        }

        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(state));
        return doc.RootElement.GetProperty("Pid") is { ValueKind: System.Text.Json.JsonValueKind.Number } pid ? pid.GetInt32() : null;
    }
}
