using System.Text.Json;
using Akd.IntegrationTests.Fleet;

namespace Akd.IntegrationTests.FirstHour;

/// <summary>What a new user meets before any coordinator runs: the real akdctl binary, its exit codes and its one-line errors.</summary>
public sealed class CliFirstHourTests : IDisposable
{
    /// <summary>Nothing listens here: these commands must fail (or succeed) before they would dial it.</summary>
    private const string NoCoordinator = "http://127.0.0.1:9";

    private readonly string _dir = Directory.CreateTempSubdirectory("akd-first-hour-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 60_000)]
    public async Task Logs_NoArgument_PrintsOneUsageLineAndExits2()
    {
        // Act
        var result = await CliRun.AkdctlAsync(NoCoordinator, _dir, TimeSpan.FromSeconds(30), "logs");

        // Assert
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.StdOut);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("akdctl logs DEPLOYMENT", line);
    }

    [Fact(Timeout = 60_000)]
    public async Task Deploy_MissingManifest_NamesTheFileWithoutAPosition()
    {
        // Arrange
        var manifest = Path.Combine(_dir, "akd.yaml");

        // Act
        var result = await CliRun.AkdctlAsync(NoCoordinator, _dir, TimeSpan.FromSeconds(30), "deploy", "-f", manifest);

        // Assert
        Assert.Equal(2, result.ExitCode);
        var line = Assert.Single(result.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{manifest}: manifest not found", line);
        Assert.DoesNotContain(":0:0", line);
    }

    [Fact(Timeout = 60_000)]
    public async Task Schema_PrintsTheDraft202012SchemaOfAkdYaml()
    {
        // Act
        var result = await CliRun.AkdctlAsync(NoCoordinator, _dir, TimeSpan.FromSeconds(30), "schema");

        // Assert
        CliAssert.Succeeded(result);
        using var schema = JsonDocument.Parse(result.StdOut);
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", schema.RootElement.GetProperty("$schema").GetString());
        Assert.True(schema.RootElement.GetProperty("properties").TryGetProperty("deploy", out _));
    }
}
