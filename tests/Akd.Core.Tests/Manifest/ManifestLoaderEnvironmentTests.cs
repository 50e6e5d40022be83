using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Core.Tests.Manifest;

public sealed class ManifestLoaderEnvironmentTests
{
    [Fact]
    public void Parse_ProductionSelected_AppliesOverlayAndKeepsBaseValues()
    {
        // Act
        var manifest = ManifestAssert.Parse(ManifestLoaderValidTests.DesignManifest, environment: "production");

        // Assert
        Assert.Equal("production", manifest.Environment);
        Assert.Equal("env=production,role=web", manifest.Deploy.To.ToString());
        Assert.Equal(RollingBatch.Percent(25), manifest.Deploy.Rolling.Batch);
        Assert.Equal(0, manifest.Deploy.Rolling.MaxFailures);
        Assert.Equal(5, manifest.Deploy.KeepReleases);
        Assert.Equal("4000", manifest.Deploy.Env["PORT"]);
        Assert.Equal("role=build", manifest.Build.On.ToString());
        Assert.Single(manifest.Hooks);
        Assert.Equal(["staging", "production"], manifest.EnvironmentNames);
    }

    [Fact]
    public void Parse_StagingSelected_AppliesOnlyStaging()
    {
        // Act
        var manifest = ManifestAssert.Parse(ManifestLoaderValidTests.DesignManifest, environment: "staging");

        // Assert
        Assert.Equal("staging", manifest.Environment);
        Assert.Equal("env=staging,role=web", manifest.Deploy.To.ToString());
        Assert.Equal(RollingBatch.Count(1), manifest.Deploy.Rolling.Batch);
    }

    [Fact]
    public void Parse_UnknownEnvironment_ReportsTheDeclaredOnes()
    {
        // Act
        var error = Assert.Single(ManifestAssert.Errors(ManifestLoaderValidTests.DesignManifest, environment: "prod"));

        // Assert
        ManifestAssert.AssertAt(error, 28, 1, "unknown environment 'prod'; expected one of staging, production");
    }

    [Fact]
    public void Parse_EnvironmentWithoutEnvironmentsSection_ReportsNoneDeclared()
    {
        ManifestAssert.SingleErrorIn("app: pinger\n", "staging", 1, 1, "unknown environment 'staging'", "declares no environments");
    }

    private const string BrokenProduction = """
        app: pinger
        deploy:
          keep_releases: 3
        environments:
          staging: { deploy: { to: { env: staging } } }
          production:
            deploy:
              keep_releases: 0
        """;

    [Theory]
    [InlineData(null)]
    [InlineData("staging")]
    [InlineData("production")]
    public void Parse_ErrorInsideOverlay_PointsAtOverlayLineWhicheverEnvironmentIsSelected(string? environment)
    {
        ManifestAssert.SingleErrorIn(BrokenProduction, environment, 8, 22, "deploy.keep_releases: expected an integer >= 1, got '0'", "(environment 'production')");
    }

    [Fact]
    public void Parse_UnknownKeyInOverlay_PointsAtOverlayKey()
    {
        ManifestAssert.SingleError("app: pinger\nenvironments:\n  staging:\n    deploy: { too: { env: staging } }\n", 4, 15, "deploy: unknown key 'too'", "environment 'staging'");
    }

    [Fact]
    public void Parse_BaseError_IsReportedOnceNotPerEnvironment()
    {
        // Arrange
        const string yaml = """
            app: pinger
            strategy: remot-build
            environments:
              staging: { deploy: { keep_releases: 2 } }
              production: { deploy: { keep_releases: 9 } }
            """;

        // Act + Assert
        var error = ManifestAssert.SingleError(yaml, 2, 11, "strategy: expected one of");
        Assert.DoesNotContain("environment", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("app: other", "'app' cannot be set per environment")]
    [InlineData("environments: { x: {} }", "'environments' cannot be set per environment")]
    public void Parse_OverlaySetsForbiddenKey_ReportsIt(string line, string message)
    {
        ManifestAssert.SingleError($"app: pinger\nenvironments:\n  staging:\n    {line}\n", 4, 5, "environments.staging:", message);
    }

    [Fact]
    public void Parse_OverlayIsAList_ReportsMappingExpected()
    {
        ManifestAssert.SingleError("app: pinger\nenvironments:\n  staging: [a]\n", 3, 12, "environments.staging: expected a mapping", "a list");
    }

    [Fact]
    public void Parse_EnvironmentsIsAList_ReportsMappingExpected()
    {
        ManifestAssert.SingleError("app: pinger\nenvironments: [staging]\n", 2, 15, "environments: expected a mapping of environment names");
    }

    [Fact]
    public void Parse_EmptyOverlay_IsTheBaseManifest()
    {
        // Act
        var manifest = ManifestAssert.Parse("app: pinger\nenvironments:\n  dev:\n", environment: "dev");

        // Assert
        Assert.Equal("dev", manifest.Environment);
        Assert.Equal("role=web", manifest.Deploy.To.ToString());
    }

    [Fact]
    public void Parse_OverlayNullValue_UnsetsBaseValue()
    {
        // Arrange
        const string yaml = """
            app: pinger
            source: { path: . }
            environments:
              production: { source: { path: ~, git: "https://example.org/pinger.git", ref: v1 } }
            """;

        // Act
        var manifest = ManifestAssert.Parse(yaml, environment: "production");

        // Assert
        Assert.Null(manifest.Source.Path);
        Assert.Equal("https://example.org/pinger.git", manifest.Source.Git);
        Assert.Equal("v1", manifest.Source.Ref);
    }

    [Fact]
    public void Parse_OverlayConflictsWithBase_PointsAtOverlayValue()
    {
        // Arrange
        const string yaml = """
            app: pinger
            health: { http: "http://127.0.0.1:4000/" }
            environments:
              production:
                health: { tcp: "127.0.0.1:4000" }
            """;

        // Act + Assert
        ManifestAssert.SingleError(yaml, 5, 15, "health: set only one of http, tcp, command", "environment 'production'");
    }

    [Fact]
    public void Parse_OverlayReplacesList_DoesNotAppend()
    {
        // Arrange
        const string yaml = """
            app: pinger
            hooks:
              - { name: a, at: after-start, run: [echo, a] }
            environments:
              production:
                hooks:
                  - { name: b, at: after-start, run: [echo, b] }
            """;

        // Act
        var manifest = ManifestAssert.Parse(yaml, environment: "production");

        // Assert
        Assert.Equal("b", Assert.Single(manifest.Hooks).Name);
    }
}
