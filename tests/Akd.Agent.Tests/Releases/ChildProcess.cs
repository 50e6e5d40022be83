using System.Diagnostics;

namespace Akd.Agent.Tests.Releases;

/// <summary>A real process for a test, killed with its group when the test ends.</summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    public int Pid => _process.Id;

    /// <summary>Runs <c>sh -c script</c>; with <paramref name="ownSession"/>, in a session and process group of its own, as the agent starts apps.</summary>
    public static ChildProcess Shell(string script, bool ownSession = false)
    {
        var psi = new ProcessStartInfo(ownSession ? "setsid" : "sh") { UseShellExecute = false };
        foreach (var arg in ownSession ? ["sh", "-c", script] : new[] { "-c", script })
        {
            psi.ArgumentList.Add(arg);
        }

        return new ChildProcess(Process.Start(psi)!);
    }

    public static ChildProcess Start(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        return new ChildProcess(Process.Start(psi)!);
    }

    /// <summary>Waits for a file the process writes when it is ready; the test's timeout bounds the wait.</summary>
    public static async Task WaitForFileAsync(string path)
    {
        while (!File.Exists(path) || new FileInfo(path).Length == 0)
        {
            await Task.Delay(20);
        }
    }

    public void Dispose()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }

        _process.Dispose();
    }
}
