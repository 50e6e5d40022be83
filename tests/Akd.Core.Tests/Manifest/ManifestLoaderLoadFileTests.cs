using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Core.Tests.Manifest;

public sealed class ManifestLoaderLoadFileTests
{
    [Fact]
    public void LoadFile_MissingFile_ThrowsManifestExceptionNamingTheFileWithoutAPosition()
    {
        // Arrange
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "akd.yaml");

        // Act
        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.LoadFile(path));

        // Assert
        var error = Assert.Single(ex.Errors);
        Assert.Equal(new ManifestError(path, 0, 0, error.Message), error);
        Assert.Contains("not found", error.Message, StringComparison.Ordinal);
        Assert.StartsWith($"{path}: manifest not found", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(":0:0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_Directory_ThrowsManifestException()
    {
        // Arrange
        using var dir = new TempDirectory();

        // Act
        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.LoadFile(dir.Path));

        // Assert
        Assert.Contains("is a directory", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadFile_NoAppKey_TakesTheMixAppName()
    {
        // Arrange
        using var dir = new TempDirectory();
        dir.Write("mix.exs", MixProjectTests.MixExs("hello", "version: \"0.1.0\""));
        var path = dir.Write("akd.yaml", "strategy: source\nenvironments:\n  staging: { deploy: { to: { env: staging } } }\n");

        // Act
        var manifest = ManifestLoader.LoadFile(path, "staging");

        // Assert
        Assert.Equal("hello", manifest.App);
        Assert.Equal("apps/hello", manifest.Deploy.Path);
        Assert.Equal("staging", manifest.Environment);
    }

    [Fact]
    public void LoadFile_NoAppKeyAndNoMixProject_ReportsAppRequiredInThatFile()
    {
        // Arrange
        using var dir = new TempDirectory();
        var path = dir.Write("akd.yaml", "strategy: source\n");

        // Act
        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.LoadFile(path));

        // Assert
        var error = Assert.Single(ex.Errors);
        Assert.Equal(path, error.File);
        Assert.Contains("app: required", error.Message, StringComparison.Ordinal);
    }
}
