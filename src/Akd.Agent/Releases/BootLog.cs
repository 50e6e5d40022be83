namespace Akd.Agent.Releases;

/// <summary>
/// The end of a release's own log, quoted when it does not come up: the reason (a node name in use,
/// a crash in the app's start, a missing env var) is there, not in the agent's view of it.
/// </summary>
internal static class BootLog
{
    /// <summary>How much of a log's end is read; enough for an Erlang crash report's first lines.</summary>
    private const int TailBytes = 16 * 1024;

    /// <summary>Lines quoted in a step's error; the streamed step log may show more.</summary>
    public const int QuotedLines = 6;

    /// <summary>An Erlang crash report prints whole terms on one line: each quoted line is cut to this.</summary>
    public const int QuotedLineChars = 400;

    /// <summary>The last <paramref name="lines"/> non-empty lines of <paramref name="path"/>; empty when it does not exist.</summary>
    public static IReadOnlyList<string> Tail(string path, int lines)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        using var file = File.OpenRead(path);
        file.Seek(Math.Max(0, file.Length - TailBytes), SeekOrigin.Begin);
        using var reader = new StreamReader(file);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(lines).ToList();
    }

    /// <summary>
    /// "; the end of tmp/log/erlang.log.1: ..." for the most recently written of <paramref name="candidates"/>,
    /// or "" when none has anything to say.
    /// </summary>
    public static string Quote(string root, IEnumerable<string> candidates)
    {
        var newest = candidates
            .Select(path => new FileInfo(path))
            .Where(info => info.Exists && info.Length > 0)
            .OrderByDescending(info => info.LastWriteTimeUtc)
            .FirstOrDefault();
        if (newest is null)
        {
            return "";
        }

        var lines = Tail(newest.FullName, QuotedLines);
        var quoted = lines.Select(line => line.Length <= QuotedLineChars ? line : line[..QuotedLineChars] + "…");
        return lines.Count == 0 ? "" : $"; the end of {Path.GetRelativePath(root, newest.FullName)}: {string.Join(" | ", quoted)}";
    }

    /// <summary>Every file in <paramref name="directory"/> matching <paramref name="pattern"/>; none when the directory is missing.</summary>
    public static IEnumerable<string> Files(string directory, string pattern, bool recursive = false) =>
        Directory.Exists(directory)
            ? Directory.EnumerateFiles(directory, pattern, recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
            : [];
}
