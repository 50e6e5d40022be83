using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Core.Tests.Manifest;

public sealed class ManifestLoaderTopLevelTests
{
    [Fact]
    public void Parse_MisspelledStrategyValue_ReportsFileLineColumnAndChoices()
    {
        // Arrange
        const string yaml = "app: pinger\n# how to build\nstrategy: remot-build\n";

        // Act
        var error = Assert.Single(ManifestAssert.Errors(yaml));

        // Assert
        Assert.Equal("akd.yaml:3:11: strategy: expected one of remote-build, local-build, source, got 'remot-build'", error.ToString());
    }

    [Fact]
    public void Parse_UnknownTopLevelKey_ReportsKeyAndAllowedKeys()
    {
        // Act
        var error = ManifestAssert.SingleError("app: pinger\nstratgy: source\n", 2, 1);

        // Assert
        Assert.Equal("unknown key 'stratgy'; expected one of app, strategy, source, build, deploy, health, hooks, environments", error.Message);
    }

    [Fact]
    public void Parse_UnknownNestedKey_ReportsSectionAndKey()
    {
        ManifestAssert.SingleError("app: pinger\ndeploy:\n  pth: /srv\n", 3, 3, "deploy: unknown key 'pth'; expected one of to, path, keep_releases, rolling, env, run, upgrade, start_overlap, step_timeout, user");
    }

    [Fact]
    public void Parse_NoAppAndNoDefault_ReportsRequired()
    {
        // Act
        var errors = ManifestAssert.Errors("strategy: source\n", defaultApp: null);

        // Assert
        ManifestAssert.AssertAt(Assert.Single(errors), 1, 1, "app", "required");
    }

    [Fact]
    public void Parse_NoAppWithEnvironments_ReportsRequiredOnce()
    {
        // Act
        var errors = ManifestAssert.Errors("strategy: source\nenvironments:\n  a: { strategy: local-build }\n  b: {}\n", defaultApp: null);

        // Assert
        ManifestAssert.AssertAt(Assert.Single(errors), 1, 1, "app: required");
    }

    [Fact]
    public void Parse_EmptyAppAndNoDefault_ReportsRequiredAtTheKey()
    {
        // Act
        var errors = ManifestAssert.Errors("strategy: source\napp:\n", defaultApp: null);

        // Assert
        ManifestAssert.AssertAt(Assert.Single(errors), 2, 1, "app", "required");
    }

    [Theory]
    [InlineData("My-App")]
    [InlineData("1pinger")]
    [InlineData("_pinger")]
    public void Parse_InvalidReleaseName_ReportsExpectedName(string app)
    {
        ManifestAssert.SingleError($"app: {app}\n", 1, 6, "app:", "lowercase letters, digits and underscores", $"'{app}'");
    }

    [Fact]
    public void Parse_InvalidDefaultApp_AsksForAnExplicitApp()
    {
        // Act
        var errors = ManifestAssert.Errors("strategy: source\n", defaultApp: "Not-Valid");

        // Assert
        ManifestAssert.AssertAt(Assert.Single(errors), 1, 1, "app", "'Not-Valid'", "set app explicitly");
    }

    [Fact]
    public void Parse_AppIsAList_ReportsExpectedString()
    {
        ManifestAssert.SingleError("app: [pinger]\n", 1, 6, "app: expected a string, got a list");
    }

    [Theory]
    [InlineData("build: [mix]\n", 8, "build: expected a mapping", "a list")]
    [InlineData("deploy: apps/pinger\n", 9, "deploy: expected a mapping", "'apps/pinger'")]
    [InlineData("source: { path: [a, b] }\n", 17, "source.path: expected a string", "a list")]
    [InlineData("hooks: { name: migrate }\n", 8, "hooks: expected a list of hooks", "a mapping")]
    [InlineData("health: [http]\n", 9, "health: expected a mapping", "a list")]
    public void Parse_WrongType_ReportsExpectedAndActualType(string line, int column, string expected, string got)
    {
        ManifestAssert.SingleError("app: pinger\n" + line, 2, column, expected, got);
    }

    [Fact]
    public void Parse_SeveralProblems_ReportsAllInFileOrder()
    {
        // Arrange
        const string yaml = """
            app: pinger
            strategy: remot-build
            deploy:
              keep_releases: 0
              colour: blue
            health: { timeout: 0s }
            """;

        // Act
        var ex = Assert.Throws<ManifestException>(() => ManifestLoader.Parse(yaml, "akd.yaml"));

        // Assert
        Assert.Equal(4, ex.Errors.Count);
        ManifestAssert.AssertAt(ex.Errors[0], 2, 11, "strategy");
        ManifestAssert.AssertAt(ex.Errors[1], 4, 18, "deploy.keep_releases: expected an integer >= 1, got '0'");
        ManifestAssert.AssertAt(ex.Errors[2], 5, 3, "unknown key 'colour'");
        ManifestAssert.AssertAt(ex.Errors[3], 6, 20, "health.timeout", "greater than zero", "'0s'");
        Assert.Equal(string.Join(Environment.NewLine, ex.Errors), ex.Message);
    }
}
