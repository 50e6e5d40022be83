using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Core.Tests.Manifest;

/// <summary><c>deploy.rolling.rollback</c> and <c>deploy.step_timeout</c>: what rolling deployments read.</summary>
public sealed class ManifestLoaderFleetTests
{
    [Fact]
    public void Parse_NoRollbackOrStepTimeout_DefaultsToFailedHostsAndCoordinatorDeadline()
    {
        // Act
        var manifest = ManifestAssert.Parse("app: web\n");

        // Assert
        Assert.Equal(RollbackScope.Failed, manifest.Deploy.Rolling.Rollback);
        Assert.Null(manifest.Deploy.StepTimeout);
    }

    [Theory]
    [InlineData("all", RollbackScope.All)]
    [InlineData("failed", RollbackScope.Failed)]
    public void Parse_RollingRollback_ReadsScope(string value, RollbackScope expected)
    {
        // Act
        var manifest = ManifestAssert.Parse($"app: web\ndeploy: {{ rolling: {{ batch: 2, rollback: {value} }} }}\n");

        // Assert
        Assert.Equal(expected, manifest.Deploy.Rolling.Rollback);
        Assert.Equal(RollingBatch.Count(2), manifest.Deploy.Rolling.Batch);
    }

    [Fact]
    public void Parse_RollingRollbackUnknownWord_ReportsTheChoices()
    {
        ManifestAssert.SingleError("app: web\ndeploy:\n  rolling: { rollback: everything }\n", 3, 24,
            "deploy.rolling.rollback: expected one of failed, all, got 'everything'");
    }

    [Fact]
    public void Parse_RollbackInEnvironmentOverlay_OverridesBase()
    {
        // Arrange
        const string yaml = """
            app: web
            deploy: { rolling: { batch: 1 } }
            environments:
              production: { deploy: { rolling: { rollback: all } } }
            """;

        // Act
        var production = ManifestAssert.Parse(yaml, "production");
        var plain = ManifestAssert.Parse(yaml);

        // Assert
        Assert.Equal(RollbackScope.All, production.Deploy.Rolling.Rollback);
        Assert.Equal(RollingBatch.Count(1), production.Deploy.Rolling.Batch);
        Assert.Equal(RollbackScope.Failed, plain.Deploy.Rolling.Rollback);
    }

    [Fact]
    public void Parse_StepTimeout_ReadsDuration()
    {
        // Act
        var manifest = ManifestAssert.Parse("app: web\ndeploy: { step_timeout: 90s }\nhealth: { http: \"http://127.0.0.1/\", timeout: 20s }\n");

        // Assert
        Assert.Equal(TimeSpan.FromSeconds(90), manifest.Deploy.StepTimeout);
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("soon")]
    public void Parse_StepTimeoutNotAPositiveDuration_ReportsDuration(string value)
    {
        ManifestAssert.SingleError($"app: web\ndeploy:\n  step_timeout: {value}\n", 3, 17,
            "deploy.step_timeout: expected a duration", "greater than zero", $"'{value}'");
    }

    [Fact]
    public void Parse_StepTimeoutNotLongerThanHealthTimeout_ReportsBothValues()
    {
        ManifestAssert.SingleError("app: web\ndeploy:\n  step_timeout: 30s\nhealth: { http: \"http://127.0.0.1/\", timeout: 30s }\n", 3, 17,
            "deploy.step_timeout: must be longer than health.timeout (30s)");
    }

    [Fact]
    public void Parse_NoUpgrade_DefaultsToRestart()
    {
        // Act
        var manifest = ManifestAssert.Parse("app: web\n");

        // Assert
        Assert.Equal(UpgradeMode.Restart, manifest.Deploy.Upgrade);
    }

    [Theory]
    [InlineData("restart", UpgradeMode.Restart)]
    [InlineData("hot", UpgradeMode.Hot)]
    [InlineData("auto", UpgradeMode.Auto)]
    public void Parse_Upgrade_ReadsMode(string value, UpgradeMode expected)
    {
        // Act
        var manifest = ManifestAssert.Parse($"app: web\ndeploy: {{ upgrade: {value} }}\n");

        // Assert
        Assert.Equal(expected, manifest.Deploy.Upgrade);
    }

    [Fact]
    public void Parse_UpgradeUnknownWord_ReportsTheChoices()
    {
        ManifestAssert.SingleError("app: web\ndeploy:\n  upgrade: live\n", 3, 12,
            "deploy.upgrade: expected one of restart, hot, auto, got 'live'");
    }

    [Fact]
    public void Parse_HotUpgradeOfSourceStrategy_ReportsThatItNeedsARelease()
    {
        ManifestAssert.SingleError("app: web\nstrategy: source\ndeploy:\n  upgrade: hot\n", 4, 12,
            "deploy.upgrade: hot needs a release");
    }

    [Fact]
    public void Parse_AutoUpgradeOfSourceStrategy_IsAccepted()
    {
        // Act
        var manifest = ManifestAssert.Parse("app: web\nstrategy: source\ndeploy: { upgrade: auto }\n");

        // Assert
        Assert.Equal(UpgradeMode.Auto, manifest.Deploy.Upgrade);
    }
}
