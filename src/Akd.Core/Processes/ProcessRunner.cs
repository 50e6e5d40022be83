using System.ComponentModel;
using System.Diagnostics;

namespace Akd.Core.Processes;

/// <summary>Runs a real process, streams each output line, and enforces a deadline and cancellation.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(ProcessSpec spec, Action<OutputLine>? onOutput, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(ResolveProgram(spec))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            // No byte order mark in front of what StandardInput writes: programs read it as text.
            StandardInputEncoding = new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
            UseShellExecute = false,
            WorkingDirectory = spec.WorkingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var arg in spec.Arguments)
        {
            psi.ArgumentList.Add(arg);
        }

        ChildEnvironment.Scrub(psi.Environment, spec.Environment);
        foreach (var (key, value) in spec.Environment)
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        using var process = new Process { StartInfo = psi };
        var stopwatch = Stopwatch.StartNew();
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new ProcessStartException($"cannot start '{spec.FileName}': {ex.Message}", ex);
        }

        // Closing stdin lets tools that prompt fail instead of waiting forever.
        if (spec.StandardInput is { } input)
        {
            await process.StandardInput.WriteAsync(input.AsMemory(), ct).ConfigureAwait(false);
        }

        process.StandardInput.Close();

        var sink = onOutput ?? (_ => { });
        var stdout = PumpAsync(process.StandardOutput, OutputLine.StdOut, sink);
        var stderr = PumpAsync(process.StandardError, OutputLine.StdErr, sink);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (spec.Timeout is { } timeout)
        {
            deadline.CancelAfter(timeout);
        }

        var timedOut = false;
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            KillTree(process);
            timedOut = !ct.IsCancellationRequested;
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            if (!timedOut)
            {
                throw;
            }
        }

        await Task.WhenAny(Task.WhenAll(stdout, stderr), Task.Delay(spec.OutputDrainGrace, CancellationToken.None)).ConfigureAwait(false);
        return new ProcessResult(timedOut ? -1 : process.ExitCode, timedOut, stopwatch.Elapsed);
    }

    /// <summary>Runs and collects stdout; for short queries such as <c>elixir --version</c>.</summary>
    public static async Task<(ProcessResult Result, string StdOut)> CaptureAsync(ProcessSpec spec, CancellationToken ct)
    {
        var lines = new List<string>();
        var result = await RunAsync(spec, line =>
        {
            if (line.Stream == OutputLine.StdOut)
            {
                lock (lines)
                {
                    lines.Add(line.Text);
                }
            }
        }, ct).ConfigureAwait(false);
        lock (lines)
        {
            return (result, string.Join('\n', lines));
        }
    }

    /// <summary>
    /// A relative program path such as <c>bin/app</c> means "in the working directory", as in a shell;
    /// .NET would look for it under this process's own current directory instead.
    /// </summary>
    private static string ResolveProgram(ProcessSpec spec) =>
        spec.FileName.Contains('/') && !Path.IsPathRooted(spec.FileName) && spec.WorkingDirectory is { } cwd
            ? Path.GetFullPath(spec.FileName, cwd)
            : spec.FileName;

    private static async Task PumpAsync(StreamReader reader, string stream, Action<OutputLine> sink)
    {
        try
        {
            while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                sink(new OutputLine(stream, line));
            }
        }
        catch (ObjectDisposedException)
        {
            // The process was disposed while a daemonized grandchild still held the pipe.
        }
        catch (IOException)
        {
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }
}
