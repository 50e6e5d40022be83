using Akd.Agent.Releases;
using Akd.Core.Manifest;

namespace Akd.Agent.Tests;

public sealed class AppEnvironmentTests
{
    private static readonly AppManifest Manifest = new()
    {
        App = "hello",
        Deploy = new DeploySettings { Env = new Dictionary<string, string> { ["PORT"] = "4000", ["MODE"] = "manifest", ["KEEP"] = "k" } },
    };

    [Fact]
    public void For_HostAndPerAppEnv_OverrideTheManifestInThatOrder()
    {
        // Arrange
        var options = new AgentOptions
        {
            Name = "web-1",
            AppEnv = new() { ["PORT"] = "4001", ["MODE"] = "host" },
            Apps = new() { ["hello"] = new AppOverrides { Env = new() { ["MODE"] = "app", ["SECRET_KEY_BASE"] = "s3cret" } } },
        };

        // Act
        var env = AppEnvironment.For(Manifest, options);

        // Assert
        Assert.Equal("4001", env["PORT"]);
        Assert.Equal("app", env["MODE"]);
        Assert.Equal("k", env["KEEP"]);
        Assert.Equal("s3cret", env["SECRET_KEY_BASE"]);
    }

    [Fact]
    public void For_NoNodeName_GivesEachAgentItsOwn()
    {
        var web1 = AppEnvironment.For(Manifest, new AgentOptions { Name = "web-1" });
        var web2 = AppEnvironment.For(Manifest, new AgentOptions { Name = "web 2.local" });

        Assert.Equal("hello_web-1", web1["RELEASE_NODE"]);
        Assert.Equal("hello_web_2_local", web2["RELEASE_NODE"]);
    }

    [Fact]
    public void For_TwoDeployPathsOfOneApp_GetDifferentNodeNames()
    {
        var options = new AgentOptions { Name = "web-1", DataDir = "/var/lib/akd-agent" };
        var usual = Manifest with { Deploy = Manifest.Deploy with { Path = "apps/hello" } };
        var staging = Manifest with { Deploy = Manifest.Deploy with { Path = "/srv/staging/hello" } };

        var usualNode = AppEnvironment.For(usual, options)["RELEASE_NODE"];
        var stagingNode = AppEnvironment.For(staging, options)["RELEASE_NODE"];

        Assert.Equal("hello_web-1", usualNode);
        Assert.StartsWith("hello_web-1_", stagingNode);
        Assert.Equal(stagingNode, AppEnvironment.For(staging, options)["RELEASE_NODE"]);
    }

    [Fact]
    public void For_NodeNameInEnv_IsKept()
    {
        var options = new AgentOptions { Name = "web-1", AppEnv = new() { ["RELEASE_NODE"] = "custom" } };

        Assert.Equal("custom", AppEnvironment.For(Manifest, options)["RELEASE_NODE"]);
    }

    [Fact]
    public void For_BuildEnvSecrets_AreNotGivenToAppsOrHooks()
    {
        // Arrange: build secrets are for mix on the build host (and the source strategy's compile) only.
        var options = new AgentOptions
        {
            Name = "web-1",
            AppEnv = new() { ["PORT"] = "4001" },
            BuildEnv = new() { ["HEX_ORGANIZATION_KEY"] = "org-key", ["GIT_SSH_COMMAND"] = "ssh -i /etc/akd/deploy_key" },
        };

        // Act
        var env = AppEnvironment.For(Manifest, options);

        // Assert
        Assert.Equal("4001", env["PORT"]);
        Assert.DoesNotContain("HEX_ORGANIZATION_KEY", env.Keys);
        Assert.DoesNotContain("GIT_SSH_COMMAND", env.Keys);
        Assert.DoesNotContain(env.Values, v => v.Contains("org-key", StringComparison.Ordinal));
    }
}
