using System.Diagnostics;
using System.Text;

namespace Akd.Testing;

public sealed record CliResult(int ExitCode, string StdOut, string StdErr, TimeSpan Elapsed)
{
    public override string ToString() => $"exit {ExitCode} after {Elapsed.TotalSeconds:0.0}s\n--- stdout ---\n{StdOut}\n--- stderr ---\n{StdErr}";
}

/// <summary>Runs <c>akdctl</c> as a user would, with a deadline.</summary>
public static class CliRun
{
    public static Task<CliResult> AkdctlAsync(string coordinator, string workingDirectory, TimeSpan timeout, params string[] args) =>
        AkdctlAsync(coordinator, workingDirectory, timeout, new Dictionary<string, string>(), args);

    public static Task<CliResult> AkdctlAsync(
        string coordinator, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string> env, params string[] args) =>
        RunAsync(AkdPrograms.Current.Cli, coordinator, workingDirectory, timeout, env, args);

    /// <summary>Runs the akdctl build <paramref name="cli"/> (<c>akdctl.dll</c>) against <paramref name="coordinator"/>.</summary>
    public static async Task<CliResult> RunAsync(
        string cli, string coordinator, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string> env, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        psi.ArgumentList.Add(cli);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["AKD_COORDINATOR"] = coordinator;
        psi.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in env)
        {
            psi.Environment[key] = value;
        }

        var watch = Stopwatch.StartNew();
        using var process = Process.Start(psi)!;
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (stdout) { stdout.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (stderr) { stderr.AppendLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"akdctl {string.Join(' ', args)} did not finish within {timeout}:\n{stdout}\n{stderr}");
        }

        process.WaitForExit();
        lock (stdout)
        {
            lock (stderr)
            {
                return new CliResult(process.ExitCode, stdout.ToString(), stderr.ToString(), watch.Elapsed);
            }
        }
    }
}
