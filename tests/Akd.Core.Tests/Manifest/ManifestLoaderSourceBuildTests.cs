using Akd.Manifest;
namespace Akd.Core.Tests.Manifest;

public sealed class ManifestLoaderSourceBuildTests
{
    [Fact]
    public void Parse_SourcePathAndGit_ReportsMutuallyExclusiveAtGit()
    {
        // Arrange
        const string yaml = """
            app: pinger
            source:
              path: .
              git: https://example.org/pinger.git
            """;

        // Act + Assert
        ManifestAssert.SingleError(yaml, 4, 3, "source:", "path and git are mutually exclusive");
    }

    [Fact]
    public void Parse_SourceRefWithoutGit_ReportsRefOnlyWithGit()
    {
        ManifestAssert.SingleError("app: pinger\nsource: { path: ., ref: main }\n", 2, 20, "source.ref", "only allowed together with source.git");
    }

    [Fact]
    public void Parse_BuildOnEmpty_ReportsAtLeastOneLabel()
    {
        ManifestAssert.SingleError("app: pinger\nbuild:\n  on: {}\n", 3, 7, "build.on", "at least one label");
    }

    [Fact]
    public void Parse_BuildOnScalar_ReportsExpectedSelector()
    {
        ManifestAssert.SingleError("app: pinger\nbuild:\n  on: build\n", 3, 7, "build.on: expected a label selector", "'build'");
    }

    [Fact]
    public void Parse_DeployToLabelValueIsAMapping_ReportsExpectedLabelValue()
    {
        ManifestAssert.SingleError("app: pinger\ndeploy:\n  to: { role: { name: web } }\n", 3, 15, "deploy.to.role", "expected a label value", "a mapping");
    }

    [Fact]
    public void Parse_DeployToEmpty_ReportsAtLeastOneLabel()
    {
        ManifestAssert.SingleError("app: pinger\ndeploy: { to: {} }\n", 2, 15, "deploy.to", "at least one label");
    }

    [Fact]
    public void Parse_UnknownBuildTool_ReportsChoices()
    {
        ManifestAssert.SingleError("app: pinger\nbuild:\n  tool: rebar3\n", 3, 9, "build.tool: expected one of mix-release, distillery, got 'rebar3'");
    }

    [Fact]
    public void Parse_UnknownToolchain_ReportsChoices()
    {
        ManifestAssert.SingleError("app: pinger\nbuild:\n  toolchain: kerl\n", 3, 14, "build.toolchain: expected one of system, asdf, got 'kerl'");
    }

    [Theory]
    [InlineData("yes")]
    [InlineData("1")]
    public void Parse_IncludeErtsNotBoolean_ReportsTrueOrFalse(string value)
    {
        ManifestAssert.SingleError($"app: pinger\nbuild:\n  include_erts: {value}\n", 3, 17, "build.include_erts: expected true or false", $"'{value}'");
    }

    [Fact]
    public void Parse_InvalidMixEnv_ReportsExpectedName()
    {
        ManifestAssert.SingleError("app: pinger\nbuild:\n  mix_env: Prod Env\n", 3, 12, "build.mix_env", "Mix environment name");
    }
}
