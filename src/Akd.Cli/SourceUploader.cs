using Akd.Contracts.V1;
using Akd.Core.Archives;

namespace Akd.Cli;

/// <summary>Packs the working tree (honouring .gitignore, without _build and deps) and uploads it.</summary>
internal static class SourceUploader
{
    public static async Task<ArtifactRef> UploadAsync(CliContext context, string sourceDir, Action<string> progress, CancellationToken ct)
    {
        if (!File.Exists(Path.Combine(sourceDir, "mix.exs")))
        {
            throw new CliException($"{sourceDir} has no mix.exs: source.path must point at the Mix project", ExitCodes.Usage);
        }

        var files = SourceTree.ListFiles(sourceDir);
        var archive = Path.Combine(Path.GetTempPath(), $"akd-source-{Guid.NewGuid():N}.tar.gz");
        try
        {
            await using (var file = File.Create(archive))
            {
                await TarGz.CreateFromFilesAsync(sourceDir, files, file, ct).ConfigureAwait(false);
            }

            return await UploadFileAsync(context, archive, "source", ct, size => progress($"uploading source: {files.Count} files, {size / 1024.0:0.#} KiB")).ConfigureAwait(false);
        }
        finally
        {
            File.Delete(archive);
        }
    }

    public static async Task<ArtifactRef> UploadFileAsync(CliContext context, string path, string kind, CancellationToken ct, Action<long>? starting = null)
    {
        starting?.Invoke(new FileInfo(path).Length);
        return await context.Transfer.UploadAsync(path, kind, ct).ConfigureAwait(false);
    }
}
