using System.Security.Cryptography;
using Akd.Contracts.V1;
using Akd.Core.Archives;
using Google.Protobuf;

namespace Akd.Cli;

/// <summary>Packs the working tree (honouring .gitignore, without _build and deps) and uploads it.</summary>
internal static class SourceUploader
{
    private const int ChunkBytes = 256 * 1024;

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
        string sha256;
        long size;
        await using (var file = File.OpenRead(path))
        {
            size = file.Length;
            sha256 = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct).ConfigureAwait(false));
        }

        starting?.Invoke(size);
        using var call = context.Artifacts.Upload(cancellationToken: ct);
        await call.RequestStream.WriteAsync(new UploadRequest { Header = new UploadHeader { Sha256 = sha256, Size = size, Kind = kind } }, ct).ConfigureAwait(false);
        await using (var file = File.OpenRead(path))
        {
            var buffer = new byte[ChunkBytes];
            int read;
            while ((read = await file.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
            {
                await call.RequestStream.WriteAsync(new UploadRequest { Data = ByteString.CopyFrom(buffer, 0, read) }, ct).ConfigureAwait(false);
            }
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        return await call.ResponseAsync.ConfigureAwait(false);
    }
}
