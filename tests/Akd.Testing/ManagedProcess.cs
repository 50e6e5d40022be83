using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Akd.Testing;

/// <summary>
/// A long-running program a test or the bench started (coordinator, agent). Every output line is kept
/// with the time it arrived since the start: for the log when something fails, and so "time until the
/// agent said Connected" can be read off it.
/// </summary>
public sealed class ManagedProcess : IDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _sinceStart;
    private readonly List<(TimeSpan At, string Line)> _lines = [];
    private readonly List<(string Text, TaskCompletionSource<TimeSpan> Seen)> _waiters = [];

    private ManagedProcess(string name, Process process, Stopwatch sinceStart)
    {
        Name = name;
        _process = process;
        _sinceStart = sinceStart;
        _process.OutputDataReceived += (_, e) => Append(e.Data);
        _process.ErrorDataReceived += (_, e) => Append(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything printed so far (stdout and stderr, in arrival order).</summary>
    public string Output => Render(withTimes: false);

    /// <summary><see cref="Output"/> with each line's seconds since the start.</summary>
    public string TimedOutput => Render(withTimes: true);

    /// <summary>Starts <paramref name="fileName"/>; a <c>.dll</c> runs through <c>dotnet</c>.</summary>
    /// <param name="wrapper">
    /// A command the program runs under, its arguments before the program's (e.g. <c>setpriv --reuid ... --</c>, to
    /// start it as another user with some capabilities); null: none.
    /// </param>
    public static ManagedProcess Start(
        string name, string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null, IReadOnlyList<string>? wrapper = null)
    {
        var dll = fileName.EndsWith(".dll", StringComparison.Ordinal);
        var command = new List<string>(wrapper ?? []);
        command.AddRange(dll ? ["dotnet", fileName] : [fileName]);
        var psi = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in command.Skip(1))
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["DOTNET_NOLOGO"] = "1";
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var clock = Stopwatch.StartNew();
        return new ManagedProcess(name, Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {name}"), clock);
    }

    /// <summary>Time from the start until a line containing <paramref name="text"/> was printed.</summary>
    public async Task<TimeSpan> WaitForLineAsync(string text, TimeSpan timeout, CancellationToken ct)
    {
        var seen = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lines)
        {
            foreach (var (at, line) in _lines)
            {
                if (line.Contains(text, StringComparison.Ordinal))
                {
                    return at;
                }
            }

            _waiters.Add((text, seen));
        }

        try
        {
            return await seen.Task.WaitAsync(timeout, ct).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} did not print '{text}' within {timeout.TotalSeconds:0}s:\n{TimedOutput}");
        }
    }

    /// <summary>Asks the process to stop, as systemd does (SIGTERM), and waits for it; true when it exited within <paramref name="timeout"/>.</summary>
    public async Task<bool> TerminateAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return true;
        }

        SendSigterm(_process.Id);
        using var wait = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Sends SIGTERM to <paramref name="pid"/> (as systemd stops a service) and returns once it is sent.</summary>
    public static void SendSigterm(int pid)
    {
        using var kill = Process.Start("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Waits for the process to exit and for its output to be read to the end (HasExited alone can come first).</summary>
    public Task WaitForExitAsync(CancellationToken ct = default) => _process.WaitForExitAsync(ct);

    /// <summary>Kills the process and its children (as a crash would) and waits for it.</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }

    private string Render(bool withTimes)
    {
        lock (_lines)
        {
            var text = new StringBuilder();
            foreach (var (at, line) in _lines)
            {
                if (withTimes)
                {
                    text.Append(at.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture)).Append("s ");
                }

                text.AppendLine(line);
            }

            return text.ToString();
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        var at = _sinceStart.Elapsed;
        lock (_lines)
        {
            _lines.Add((at, line));
            for (var i = _waiters.Count - 1; i >= 0; i--)
            {
                if (line.Contains(_waiters[i].Text, StringComparison.Ordinal))
                {
                    _waiters[i].Seen.TrySetResult(at);
                    _waiters.RemoveAt(i);
                }
            }
        }
    }
}
