using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using Akd.Core.Builders;
using Akd.Core.Processes;
using Akd.Core.Tests.Archives;

namespace Akd.Core.Tests.Builders;

/// <summary>
/// What the distillery builder uploads, given what distillery left in <c>_build/prod/rel/APP</c>:
/// its own tarball when complete, the assembled directory when the tarball is incomplete, and nothing
/// when both are broken; after distillery's known archive fault, the assembled directory when it verifies. The release
/// directories here are hand-made; the FAKE distillery runs in the integration tests.
/// </summary>
public sealed class DistilleryArtifactTests : IDisposable
{
    private const int TimeoutMs = 30_000;
    private const string Fault = "Failed to archive release: _build/prod/rel/hello/releases/RELEASES: no such file or directory";
    private readonly TempDirectory _temp = new();
    private readonly List<string> _log = [];

    private string ReleaseDir => _temp.Combine("rel", "hello");

    private string OutputDir => _temp.Combine("out");

    private string ToolTarball => Path.Combine(ReleaseDir, "releases", "0.1.0", "hello.tar.gz");

    public void Dispose() => _temp.Dispose();

    [Fact(Timeout = TimeoutMs)]
    public async Task SelectArtifactAsync_CompleteToolTarballWithoutDirectoryEntries_UploadsItUnchanged()
    {
        // Arrange: erl_tar writes file entries only, no directory entries.
        AssembleRelease();
        WriteToolTarball("bin/hello", "releases/0.1.0/hello.rel", "releases/start_erl.data", "erts-13.1.5/bin/beam.smp", "lib/hello-0.1.0/ebin/hello.app");

        // Act
        var built = await SelectAsync();

        // Assert
        Assert.Equal(Sha256(ToolTarball), built.Sha256);
        Assert.Equal(("0.1.0", "13.1.5"), (built.Version, built.ErtsVersion));
        Assert.StartsWith(OutputDir, built.TarballPath);
        Assert.Contains(_log, l => l.StartsWith("using distillery's tarball", StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task SelectArtifactAsync_ToolTarballLacksBin_PacksAssembledDirectoryAndSaysSo()
    {
        // Arrange: the distillery 2.1 fault: a working directory, a tarball without bin/ and releases/VSN.
        AssembleRelease();
        WriteToolTarball("erts-13.1.5/bin/beam.smp", "lib/hello-0.1.0/ebin/hello.app", "releases/start_erl.data");

        // Act
        var built = await SelectAsync();

        // Assert: the artifact is the directory, without the tool's tarball inside it.
        var names = ReadNames(built.TarballPath);
        Assert.Contains("bin/hello", names);
        Assert.Contains("releases/0.1.0/hello.rel", names);
        Assert.Contains("erts-13.1.5/bin/beam.smp", names);
        Assert.DoesNotContain("releases/0.1.0/hello.tar.gz", names);
        Assert.NotEqual(Sha256(ToolTarball), built.Sha256);
        var note = Assert.Single(_log, l => l.Contains("packaging the assembled release directory", StringComparison.Ordinal));
        Assert.Contains("lacks bin/hello, releases/0.1.0", note);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task SelectArtifactAsync_NoToolTarball_PacksAssembledDirectory()
    {
        // Arrange
        AssembleRelease();

        // Act
        var built = await SelectAsync();

        // Assert
        Assert.Contains("bin/hello", ReadNames(built.TarballPath));
        Assert.Contains(_log, l => l.StartsWith("distillery wrote no tarball", StringComparison.Ordinal));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task SelectArtifactAsync_TarballIncompleteAndDirectoryBroken_FailsAndWritesNoArtifact()
    {
        // Arrange: neither the tarball nor the directory has bin/hello.
        AssembleRelease();
        WriteToolTarball("lib/hello-0.1.0/ebin/hello.app");
        File.Delete(Path.Combine(ReleaseDir, "bin", "hello"));

        // Act
        var error = await Assert.ThrowsAsync<BuildFailedException>(SelectAsync);

        // Assert
        Assert.Contains("broken too", error.Message);
        Assert.Contains("no bin/hello", error.Message);
        Assert.False(Directory.Exists(OutputDir) && Directory.EnumerateFiles(OutputDir).Any(), "no artifact may be left for upload");
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task SelectArtifactAsync_ErtsRequiredButMissingEverywhere_Fails()
    {
        // Arrange: a release built without ERTS while akd.yaml asks for it.
        AssembleRelease();
        Directory.Delete(Path.Combine(ReleaseDir, "erts-13.1.5"), recursive: true);
        WriteToolTarball("bin/hello", "releases/0.1.0/hello.rel");

        // Act
        var error = await Assert.ThrowsAsync<BuildFailedException>(SelectAsync);

        // Assert
        Assert.Contains("erts-*", error.Message);
        Assert.Contains("does not include ERTS", error.Message);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task PackAfterArchiveFaultAsync_StubTarball_PacksAssembledDirectoryAndSaysSo()
    {
        // Arrange: distillery 2.1.1 on OTP 25: a working directory, a stub tarball with only releases/start_erl.data.
        AssembleRelease();
        WriteToolTarball("releases/start_erl.data");

        // Act
        var built = await PackAfterFaultAsync(buildingVersion: "0.1.0");

        // Assert
        var names = ReadNames(built.TarballPath);
        Assert.Contains("bin/hello", names);
        Assert.Contains("releases/0.1.0/hello.rel", names);
        Assert.Contains("erts-13.1.5/bin/beam.smp", names);
        Assert.DoesNotContain("releases/0.1.0/hello.tar.gz", names);
        Assert.Equal(("0.1.0", "13.1.5"), (built.Version, built.ErtsVersion));
        var note = Assert.Single(_log, l => l.Contains("known archive fault", StringComparison.Ordinal));
        Assert.Contains("exit code 1", note);
        Assert.Contains(Fault, note);
        Assert.Contains("packaging the assembled release directory", note);
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task PackAfterArchiveFaultAsync_CompleteLookingTarballLeftBehind_PacksDirectoryNotTheTarball()
    {
        // Arrange: a tarball that verifies (say, from an earlier build of this version), but distillery says archiving failed.
        AssembleRelease();
        WriteToolTarball("bin/hello", "releases/0.1.0/hello.rel", "releases/start_erl.data", "erts-13.1.5/bin/beam.smp");

        // Act
        var built = await PackAfterFaultAsync(buildingVersion: "0.1.0");

        // Assert
        Assert.NotEqual(Sha256(ToolTarball), built.Sha256);
        Assert.Contains("lib/hello-0.1.0/ebin/hello.app", ReadNames(built.TarballPath));
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task PackAfterArchiveFaultAsync_DirectoryBroken_FailsQuotingDistilleryAndWritesNoArtifact()
    {
        // Arrange
        AssembleRelease();
        File.Delete(Path.Combine(ReleaseDir, "bin", "hello"));

        // Act
        var error = await Assert.ThrowsAsync<BuildFailedException>(() => PackAfterFaultAsync(buildingVersion: "0.1.0"));

        // Assert
        Assert.Contains("'mix distillery.release --env=prod' failed with exit code 1", error.Message);
        Assert.Contains(Fault, error.Message);
        Assert.Contains("does not verify: the release has no bin/hello", error.Message);
        Assert.False(Directory.Exists(OutputDir) && Directory.EnumerateFiles(OutputDir).Any(), "no artifact may be left for upload");
    }

    [Fact(Timeout = TimeoutMs)]
    public async Task PackAfterArchiveFaultAsync_DirectoryHoldsAnotherVersion_Fails()
    {
        // Arrange: distillery said it was building 0.2.0; the directory still holds 0.1.0.
        AssembleRelease();

        // Act
        var error = await Assert.ThrowsAsync<BuildFailedException>(() => PackAfterFaultAsync(buildingVersion: "0.2.0"));

        // Assert
        Assert.Contains("holds version 0.1.0, not the 0.2.0 distillery was building", error.Message);
        Assert.Contains(Fault, error.Message);
    }

    private Task<BuiltRelease> PackAfterFaultAsync(string buildingVersion) =>
        DistilleryBuilder.PackAfterArchiveFaultAsync(ReleaseDir, "hello", requireErts: true, new CommandExit("mix distillery.release --env=prod", 1),
            Fault, buildingVersion, OutputDir, Log, CancellationToken.None);

    private Task<BuiltRelease> SelectAsync() =>
        DistilleryBuilder.SelectArtifactAsync(ReleaseDir, "hello", "0.1.0", requireErts: true, OutputDir, Log, CancellationToken.None);

    private void Log(OutputLine line) => _log.Add(line.Text);

    private void AssembleRelease()
    {
        _temp.WriteFile("rel/hello/bin/hello", "#!/bin/sh\necho pong\n", (UnixFileMode)0x1ED);
        _temp.WriteFile("rel/hello/releases/start_erl.data", "13.1.5 0.1.0");
        _temp.WriteFile("rel/hello/releases/0.1.0/hello.rel", "{release, {\"hello\", \"0.1.0\"}, {erts, \"13.1.5\"}, []}.");
        _temp.WriteFile("rel/hello/erts-13.1.5/bin/beam.smp", "ELF", (UnixFileMode)0x1ED);
        _temp.WriteFile("rel/hello/lib/hello-0.1.0/ebin/hello.app", "{application, hello, []}.");
    }

    /// <summary>Like erl_tar: the named files of the release directory, and no directory entries.</summary>
    private void WriteToolTarball(params string[] files)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(ToolTarball)!);
        using var output = File.Create(ToolTarball);
        using var gzip = new GZipStream(output, CompressionLevel.Fastest);
        using var writer = new TarWriter(gzip, TarEntryFormat.Ustar);
        foreach (var file in files)
        {
            writer.WriteEntry(Path.Combine(ReleaseDir, file), file);
        }
    }

    private static HashSet<string> ReadNames(string tarball)
    {
        using var file = File.OpenRead(tarball);
        using var gzip = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new TarReader(gzip);
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (reader.GetNextEntry() is { } entry)
        {
            names.Add(entry.Name.TrimEnd('/'));
        }

        return names;
    }

    private static string Sha256(string path) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path)));
}
