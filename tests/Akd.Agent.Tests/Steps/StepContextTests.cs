using Akd.Agent.Reporting;
using Akd.Agent.Steps;
using Akd.Agent.Tests.Releases;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Tests.Steps;

/// <summary>What every step handler works with, built once per step by <see cref="StepContexts"/>.</summary>
public sealed class StepContextTests
{
    [Fact]
    public void For_RelativeDeployPath_LayoutUnderTheDataDirAndOneEnvForTheWholeStep()
    {
        // Arrange
        using var http = new HttpClient();
        var contexts = new StepContexts(http, Options.Create(new AgentOptions { DataDir = "/var/lib/akd-agent", Name = "web-1" }), TimeProvider.System);
        var manifest = ScratchApp.Manifest("""
            app: hello
            deploy:
              path: apps/hello-production
              env: { PORT: "4000" }
            """);

        // Act
        var context = contexts.For(manifest, TestMetrics.Reporter(new Outbox(), "s1"));

        // Assert
        Assert.Equal("/var/lib/akd-agent/apps/hello-production", context.Layout.Root);
        Assert.Same(context.Env, context.Env);
        Assert.Equal("4000", context.Env["PORT"]);
        Assert.Same(manifest, context.Manifest);
    }
}
