using Akd.Agent.Reporting;
using Akd.Core.Archives;

namespace Akd.Agent.Builds;

/// <summary>Unpacking a deploy's uploaded source archive, on the build host and on a source-strategy target alike.</summary>
internal static class SourceArchive
{
    /// <summary>Runs <paramref name="unpack"/>; an archive refused as unsafe or unreadable fails the step, saying which.</summary>
    public static async Task UnpackAsync(Func<CancellationToken, Task> unpack, CancellationToken ct)
    {
        try
        {
            await unpack(ct).ConfigureAwait(false);
        }
        catch (UnsafeArchiveException ex)
        {
            throw new StepFailedException($"refused the source archive: {ex.Message}");
        }
        catch (InvalidDataException ex)
        {
            throw new StepFailedException($"the source archive is not a readable tar.gz: {ex.Message}");
        }
    }
}
