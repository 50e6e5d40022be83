using Akd.Core.Manifest;
using Akd.Manifest;

namespace Akd.Core.Tests.Manifest;

public sealed class ManifestRedactionTests
{
    private const string Yaml = """
        app: web
        deploy:
          to: { role: web }
          env: { SECRET_KEY_BASE: "s3cret", PORT: "4000" }
        environments:
          production:
            deploy: { to: { role: web, env: production }, env: { DATABASE_URL: "ecto://prod" } }
        """;

    [Fact]
    public void WithoutDeployEnv_BaseAndEnvironmentOverlays_NoValueLeftEverythingElseKept()
    {
        // Arrange + Act
        var redacted = ManifestRedaction.WithoutDeployEnv(Yaml);

        // Assert: no value of any deploy.env, and the rest still parses to the same targets.
        Assert.DoesNotContain("s3cret", redacted);
        Assert.DoesNotContain("ecto://prod", redacted);
        var production = ManifestAssert.Parse(redacted, "production");
        Assert.Empty(production.Deploy.Env);
        Assert.Equal("production", production.Deploy.To.Labels["env"]);
    }
}
