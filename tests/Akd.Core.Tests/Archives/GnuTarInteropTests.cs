using System.Diagnostics;
using System.Runtime.Versioning;
using Akd.Core.Archives;

namespace Akd.Core.Tests.Archives;

/// <summary>Archives must travel both ways between akd and the system's GNU tar.</summary>
[SupportedOSPlatform("linux")]
public sealed class GnuTarInteropTests : IDisposable
{
    private const UnixFileMode Executable = (UnixFileMode)0x1ED; // 0755

    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact(Timeout = TestArchives.TimeoutMs)]
    public async Task ExtractAsync_ArchiveFromGnuTar_RestoresTree()
    {
        // Arrange: GNU tar writes a "./" entry and "./"-prefixed names.
        _temp.WriteFile("src/bin/app", "#!/bin/sh\n", Executable);
        _temp.WriteFile("src/releases/0.1.0/sys.config", "[].");
        File.CreateSymbolicLink(_temp.Combine("src/bin/app-link"), "app");
        var archive = _temp.Combine("gnu.tar.gz");
        await RunAsync("tar", "-czf", archive, "-C", _temp.Combine("src"), ".");

        // Act
        await using (var input = File.OpenRead(archive))
        {
            await SafeExtractor.ExtractAsync(input, _temp.Combine("out"), CancellationToken.None);
        }

        // Assert
        Assert.Equal(TestArchives.ListTree(_temp.Combine("src")), TestArchives.ListTree(_temp.Combine("out")));
        Assert.Equal(Executable, File.GetUnixFileMode(_temp.Combine("out/bin/app")));
        Assert.Equal("app", new FileInfo(_temp.Combine("out/bin/app-link")).LinkTarget);
    }

    [Fact(Timeout = TestArchives.TimeoutMs)]
    public async Task CreateFromDirectoryAsync_LongNames_GnuTarExtractsThem()
    {
        // Arrange: names over 100 bytes need pax headers.
        var deep = "lib/" + new string('x', 120) + "/" + new string('y', 90) + "/run";
        _temp.WriteFile("src/" + deep, "#!/bin/sh\n", Executable);
        var archive = _temp.Combine("akd.tar.gz");

        // Act
        await using (var output = File.Create(archive))
        {
            await TarGz.CreateFromDirectoryAsync(_temp.Combine("src"), output, CancellationToken.None);
        }

        Directory.CreateDirectory(_temp.Combine("out"));
        await RunAsync("tar", "-xzf", archive, "-C", _temp.Combine("out"));

        // Assert
        Assert.Equal(Executable, File.GetUnixFileMode(_temp.Combine("out", deep)));
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} failed: {stderr}");
    }
}
