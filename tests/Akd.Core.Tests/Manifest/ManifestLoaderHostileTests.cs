using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Core.Tests.Manifest;

/// <summary>Manifests written to crash or exhaust whoever parses them: the coordinator and akdctl both parse.</summary>
public sealed class ManifestLoaderHostileTests
{
    [Fact(Timeout = 10_000)]
    public async Task Parse_SelfReferencingAliasWithEnvironmentOverlay_ReportsRecursiveAnchor()
    {
        // Arrange: the 7-line file that overflowed the stack in the overlay merge and killed the coordinator.
        const string yaml = """
            app: pinger
            strategy: remote-build
            deploy: &d
              deploy: *d
            environments:
              staging: &s
                deploy: *s
            """;

        // Act
        var errors = await Task.Run(() => ManifestAssert.Errors(yaml, "staging"));

        // Assert
        var error = Assert.Single(errors);
        Assert.Contains("recursive anchor", error.Message, StringComparison.Ordinal);
        Assert.True(error.Line > 0, $"expected a position, got {error}");
    }

    [Fact(Timeout = 10_000)]
    public async Task Parse_AliasExpansionBomb_ReportsExpansionLimit()
    {
        // Arrange: nine levels of ten aliases each expand to 10^9 nodes.
        var lines = new List<string> { "app: pinger", "a0: &a0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i < 9; i++)
        {
            var refs = string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10));
            lines.Add($"a{i}: &a{i} [{refs}]");
        }

        // Act
        var errors = await Task.Run(() => ManifestAssert.Errors(string.Join('\n', lines) + "\n"));

        // Assert
        Assert.Contains(errors, e => e.Message.Contains("more than", StringComparison.Ordinal) && e.Message.Contains("nodes", StringComparison.Ordinal));
    }

    [Fact(Timeout = 10_000)]
    public async Task Parse_DeepNesting_ReportsDepthLimit()
    {
        // Arrange
        var yaml = "app: pinger\nx: " + new string('[', 200) + new string(']', 200) + "\n";

        // Act
        var errors = await Task.Run(() => ManifestAssert.Errors(yaml));

        // Assert
        Assert.Contains(errors, e => e.Message.Contains("deeper than", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_OversizedManifest_RefusedBeforeParsing()
    {
        // Arrange
        var yaml = "app: pinger\n# " + new string('x', ManifestLoader.MaxManifestChars) + "\n";

        // Act
        var error = Assert.Single(ManifestAssert.Errors(yaml));

        // Assert
        Assert.Contains("at most", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SharedAnchorUsedTwice_IsStillAccepted()
    {
        // Arrange: aliases that do not recurse are ordinary YAML and keep working.
        const string yaml = """
            app: pinger
            deploy:
              to: &web { role: web }
            environments:
              staging: { deploy: { to: *web } }
            """;

        // Act
        var manifest = ManifestAssert.Parse(yaml, "staging");

        // Assert
        Assert.Equal("web", manifest.Deploy.To.Labels["role"]);
    }
}
