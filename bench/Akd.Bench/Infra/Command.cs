using System.Diagnostics;
using Akd.Core.Processes;

namespace Akd.Bench.Infra;

public sealed record CommandResult(int ExitCode, IReadOnlyList<string> StdOut, IReadOnlyList<string> StdErr, TimeSpan Elapsed)
{
    public string Text => string.Join('\n', StdOut.Concat(StdErr));
}

/// <summary>Runs a short command as an argument array, timed, with its output kept.</summary>
public static class Command
{
    public static async Task<CommandResult> RunAsync(
        string program, IReadOnlyList<string> args, CancellationToken ct,
        string? cwd = null, IReadOnlyDictionary<string, string?>? env = null, TimeSpan? timeout = null, bool check = true)
    {
        var stdout = new List<string>();
        var stderr = new List<string>();
        var spec = new ProcessSpec(program, args)
        {
            WorkingDirectory = cwd,
            Environment = env ?? new Dictionary<string, string?>(),
            Timeout = timeout ?? TimeSpan.FromMinutes(10),
            // Scripts that start BEAMs leave run_erl behind; its pipes are closed, so no grace is needed.
            OutputDrainGrace = TimeSpan.FromSeconds(1),
        };
        var watch = Stopwatch.StartNew();
        var result = await ProcessRunner.RunAsync(spec, line =>
        {
            var into = line.Stream == OutputLine.StdErr ? stderr : stdout;
            lock (into)
            {
                into.Add(line.Text);
            }
        }, ct).ConfigureAwait(false);
        var elapsed = watch.Elapsed;
        CommandResult done;
        lock (stdout)
        {
            lock (stderr)
            {
                done = new CommandResult(result.ExitCode, stdout.ToList(), stderr.ToList(), elapsed);
            }
        }

        if (check && !result.Succeeded)
        {
            throw new InvalidOperationException(
                $"{spec.Display} failed (exit {result.ExitCode}{(result.TimedOut ? ", timed out" : "")}):\n{done.Text}");
        }

        return done;
    }
}
