namespace Akd.Core.Processes;

/// <summary>A program to run as an argument array: never a shell string built from input.</summary>
public sealed record ProcessSpec(string FileName, IReadOnlyList<string> Arguments)
{
    public string? WorkingDirectory { get; init; }

    /// <summary>Added to (or, with a null value, removed from) the inherited environment.</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>Written to the program's stdin, which is then closed; null: stdin is closed at once.</summary>
    public string? StandardInput { get; init; }

    /// <summary>The process tree is killed when it runs longer than this.</summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// How long to keep reading output after the process exited. Programs that daemonize
    /// (run_erl, epmd) may leave a grandchild holding our pipes; we stop listening instead of hanging.
    /// </summary>
    public TimeSpan OutputDrainGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How the command looks in logs: program and arguments, never the environment.</summary>
    public string Display => string.Join(' ', new[] { FileName }.Concat(Arguments).Select(Quote));

    private static string Quote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsLetterOrDigit(c) || "-_./=:@%+,".Contains(c)) ? arg : $"'{arg.Replace("'", "'\\''")}'";
}

public readonly record struct OutputLine(string Stream, string Text)
{
    public const string StdOut = "stdout";
    public const string StdErr = "stderr";
}

public sealed record ProcessResult(int ExitCode, bool TimedOut, TimeSpan Duration)
{
    public bool Succeeded => ExitCode == 0 && !TimedOut;
}

/// <summary>The program could not be started at all (not installed, not executable).</summary>
public sealed class ProcessStartException(string message, Exception inner) : Exception(message, inner);
