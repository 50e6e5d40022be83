using System.Diagnostics;
using System.Text;

namespace Akd.IntegrationTests.Fleet;

/// <summary>A long-running program started by a test (coordinator, agent), with its output kept for the test log.</summary>
internal sealed class ManagedProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ManagedProcess(string name, Process process)
    {
        Name = name;
        _process = process;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public bool HasExited => _process.HasExited;

    public int Pid => _process.Id;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static ManagedProcess StartDotnet(string name, string dll, IEnumerable<string> args, IDictionary<string, string>? env = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        return new ManagedProcess(name, Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {name}"));
    }

    /// <summary>Asks the process to stop, as systemd does (SIGTERM), and waits for it; true when it exited within <paramref name="timeout"/>.</summary>
    public async Task<bool> TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return true;
        }

        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill!.WaitForExitAsync();
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public int ExitCode => _process.ExitCode;

    /// <summary>Waits for the process to exit and for its output to be read to the end (HasExited alone can come first).</summary>
    public Task WaitForExitAsync(CancellationToken ct = default) => _process.WaitForExitAsync(ct);

    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
