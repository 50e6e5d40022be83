using System.Globalization;
using System.Text;
using Akd.Core.Files;

namespace Akd.Core.Releases;

public sealed partial class ReleaseLayout
{
    private const string RevisionTimeFormat = "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'";

    /// <summary>
    /// Appends <c>time\trelease\tdeployment\tresult</c> (time in ISO-8601 UTC) with a single write,
    /// so a crash leaves at most one torn last line, which <see cref="ReadRevisions"/> skips.
    /// </summary>
    public void AppendRevision(RevisionEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        string[] fields = [entry.ReleaseId, entry.DeploymentId, entry.Result];
        if (fields.Any(field => string.IsNullOrEmpty(field) || field.Any(c => c is '\t' or '\n' or '\r')))
        {
            throw new ArgumentException("revision fields must be non-empty and contain no tabs or line breaks", nameof(entry));
        }

        var at = entry.At.UtcDateTime.ToString(RevisionTimeFormat, CultureInfo.InvariantCulture);
        var line = Encoding.UTF8.GetBytes($"{at}\t{entry.ReleaseId}\t{entry.DeploymentId}\t{entry.Result}\n");
        using var log = new FileStream(RevisionsLog, FileMode.Append, FileAccess.Write, FileShare.Read);
        log.Write(line);
        log.Flush(flushToDisk: true);
    }

    /// <summary>Every well-formed line of <c>revisions.log</c>, oldest first; empty when there is none.</summary>
    public IReadOnlyList<RevisionEntry> ReadRevisions()
    {
        if (!File.Exists(RevisionsLog))
        {
            return [];
        }

        var entries = new List<RevisionEntry>();
        foreach (var line in File.ReadLines(RevisionsLog, Encoding.UTF8))
        {
            var fields = line.Split('\t');
            if (fields.Length == 4
                && DateTimeOffset.TryParse(fields[0], CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
                && fields.Skip(1).All(field => field.Length > 0))
            {
                entries.Add(new RevisionEntry(at, fields[1], fields[2], fields[3]));
            }
        }

        return entries;
    }

    /// <summary>The env <c>shared/.env</c> holds, or null when there is none.</summary>
    /// <exception cref="FormatException">The file is not in the format akd writes.</exception>
    public IReadOnlyDictionary<string, string>? ReadEnvFile() =>
        File.Exists(EnvFile) ? EnvFileFormat.Parse(File.ReadAllText(EnvFile)) : null;

    /// <summary>
    /// Writes <c>shared/.env</c> (format: see <see cref="EnvFileFormat"/>) with mode 0600 through a
    /// temporary file, fsync and a rename, so the release never reads a half-written file.
    /// </summary>
    public void WriteEnvFile(IReadOnlyDictionary<string, string> env)
    {
        ArgumentNullException.ThrowIfNull(env);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("release layouts use Unix symlinks and modes");
        }

        // Secrets: owner only. Durable, so a crash never leaves the release an empty or torn env.
        DurableFile.Write(EnvFile, Encoding.UTF8.GetBytes(EnvFileFormat.Format(env)), UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
