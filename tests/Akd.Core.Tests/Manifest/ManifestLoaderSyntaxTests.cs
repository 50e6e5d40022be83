using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Core.Tests.Manifest;

public sealed class ManifestLoaderSyntaxTests
{
    [Theory]
    [InlineData("")]
    [InlineData("# nothing but a comment\n")]
    public void Parse_EmptyFile_ReportsEmpty(string yaml)
    {
        ManifestAssert.SingleError(yaml, 1, 1, "empty");
    }

    [Theory]
    [InlineData("- app\n- pinger\n", "a list")]
    [InlineData("pinger\n", "'pinger'")]
    [InlineData("~\n", "nothing")]
    public void Parse_TopLevelNotAMapping_ReportsExpectedMapping(string yaml, string got)
    {
        ManifestAssert.SingleError(yaml, 1, 1, "expected a mapping at the top level", got);
    }

    [Fact]
    public void Parse_UnterminatedQuote_ReportsSyntaxErrorPosition()
    {
        // Arrange
        const string yaml = "app: pinger\nstrategy: \"remote-build\n";

        // Act + Assert
        ManifestAssert.SingleError(yaml, 2, 11, "invalid YAML", "quoted scalar");
    }

    [Fact]
    public void Parse_BadIndentation_ReportsSyntaxErrorPosition()
    {
        // Arrange
        const string yaml = """
            app: pinger
            deploy:
              to: { role: web }
             path: apps/pinger
            """;

        // Act + Assert
        ManifestAssert.SingleError(yaml, 4, 2, "invalid YAML", "expected key");
    }

    [Fact]
    public void Parse_DuplicateKey_ReportsSecondKey()
    {
        ManifestAssert.SingleError("app: pinger\nstrategy: source\napp: other\n", 3, 1, "invalid YAML", "Duplicate key");
    }

    [Fact]
    public void Parse_UnclosedFlowSequence_ReportsWhereParsingStopped()
    {
        // Arrange: YamlDotNet fails on this without a position of its own.
        const string yaml = "app: pinger\nhooks: [1, 2\nstrategy: source\n";

        // Act
        var error = ManifestAssert.SingleError(yaml, 2, 10);

        // Assert: what is wrong in the YAML, without the parser's internal message.
        Assert.Equal("invalid YAML after this point (an unclosed '[' or '{'?)", error.Message);
    }

    [Fact]
    public void Parse_UnknownAlias_ReportsTheAlias()
    {
        ManifestAssert.SingleError("app: pinger\nbuild:\n  on: *builders\n", 3, 7, "invalid YAML", "builders");
    }

    [Fact]
    public void Parse_TwoDocuments_ReportsTheSecond()
    {
        ManifestAssert.SingleError("app: pinger\n---\napp: other\n", 3, 1, "single YAML document");
    }

    [Fact]
    public void Parse_AnchorAndAlias_AreResolved()
    {
        // Arrange
        const string yaml = "app: pinger\nbuild: { on: &hosts { role: box } }\ndeploy: { to: *hosts }\n";

        // Act
        var manifest = ManifestAssert.Parse(yaml);

        // Assert
        Assert.Equal("role=box", manifest.Build.On.ToString());
        Assert.Equal("role=box", manifest.Deploy.To.ToString());
    }
}
