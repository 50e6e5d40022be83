namespace Akd.Agent.Identity;

/// <summary>
/// <c>--join-file FILE</c> (<c>-</c>: standard input): the join token from a file's first line, so it is not
/// on the command line, where every user of the host reads it in ps. Read only while the agent is not
/// enrolled, so the file may be deleted once it is.
/// </summary>
internal static class JoinTokenFile
{
    public const string StandardInput = "-";

    public static async Task<string> ReadAsync(string path, TextReader stdin, CancellationToken ct)
    {
        string? line;
        try
        {
            if (path == StandardInput)
            {
                line = await stdin.ReadLineAsync(ct).ConfigureAwait(false);
            }
            else
            {
                using var reader = new StreamReader(path);
                line = await reader.ReadLineAsync(ct).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EnrollmentRefusedException($"--join-file: cannot read {path}: {ex.Message}");
        }

        // Trim: a file written on Windows or with trailing blanks still holds the same token.
        return line?.Trim() is { Length: > 0 } token
            ? token
            : throw new EnrollmentRefusedException(path == StandardInput ? "--join-file -: nothing on standard input" : $"--join-file: {path} is empty");
    }
}
