using System.Diagnostics;
using System.Text;

namespace Akd.Bench.Infra;

/// <summary>
/// A long-running program the bench started (coordinator, agent). Every output line is kept with the
/// time it arrived since the start, so "time until the agent said Connected" can be read off it.
/// </summary>
public sealed class BenchProcess : IDisposable
{
    private readonly Process _process;
    private readonly Stopwatch _sinceStart;
    private readonly List<(TimeSpan At, string Line)> _lines = [];
    private readonly List<(string Text, TaskCompletionSource<TimeSpan> Seen)> _waiters = [];

    private BenchProcess(string name, Process process, Stopwatch sinceStart)
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

    public string Output
    {
        get
        {
            lock (_lines)
            {
                var text = new StringBuilder();
                foreach (var (at, line) in _lines)
                {
                    text.Append(at.TotalSeconds.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)).Append("s ").AppendLine(line);
                }

                return text.ToString();
            }
        }
    }

    /// <summary>Starts <paramref name="fileName"/>; a <c>.dll</c> runs through <c>dotnet</c>.</summary>
    public static BenchProcess Start(string name, string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? env = null)
    {
        var dll = fileName.EndsWith(".dll", StringComparison.Ordinal);
        var psi = new ProcessStartInfo(dll ? "dotnet" : fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (dll)
        {
            psi.ArgumentList.Add(fileName);
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
        var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {name}");
        return new BenchProcess(name, process, clock);
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
            throw new TimeoutException($"{Name} did not print '{text}' within {timeout.TotalSeconds:0}s:\n{Output}");
        }
    }

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
