using Akd.Cli.Commands;
using Akd.Cli.Init;
using Akd.Core.Manifest;
using Akd.Manifest.Schema;
using Akd.Core.Tests.Manifest.Schema;

namespace Akd.Cli.Tests.Init;

/// <summary>What <c>akdctl init</c> writes is valid for editors too: the modeline names a schema file it wrote, and the manifest matches it.</summary>
public sealed class InitSchemaTests : IDisposable
{
    private readonly TempProject _project = new();

    public void Dispose() => _project.Dispose();

    [Theory(Timeout = 10_000)]
    [InlineData(DeployStrategy.RemoteBuild, "")]
    [InlineData(DeployStrategy.LocalBuild, "{:phoenix, \"~> 1.7\"}")]
    [InlineData(DeployStrategy.Source, "{:phoenix, \"~> 1.7\"}")]
    [InlineData(DeployStrategy.RemoteBuild, "{:distillery, \"~> 2.1\"}")]
    public async Task WriteAsync_AnyStrategy_WritesModelineAndSchemaTheManifestMatches(DeployStrategy strategy, string deps)
    {
        // Arrange
        _project.WithMixExs("shop_api", deps);

        // Act
        await InitCommand.WriteAsync(_project.Manifest, strategy, force: false, CancellationToken.None);

        // Assert
        var yaml = await File.ReadAllTextAsync(_project.Manifest);
        Assert.StartsWith($"# yaml-language-server: $schema=./{ManifestTemplate.SchemaFile}\n", yaml, StringComparison.Ordinal);
        Assert.Equal(ManifestJsonSchema.Text, await File.ReadAllTextAsync(Path.Combine(_project.Dir, ManifestTemplate.SchemaFile)));
        SchemaAssert.Valid(yaml, $"akdctl init --strategy {strategy}");
    }
}
