namespace Akd.IntegrationTests.Fleet;

/// <summary>akd.yaml variants for the fleet tests: the hello example with another rolling rule or health check.</summary>
internal static class FleetManifest
{
    private const string HealthUrl = "\"http://127.0.0.1:${PORT}/health\"";

    public const string HttpHealth = $"{{ http: {HealthUrl}, timeout: 10s, interval: 200ms }}";

    /// <summary>The same check with 30 s to pass: for cases that boot many VMs at once and are not about boot time.</summary>
    public const string PatientHttpHealth = $"{{ http: {HealthUrl}, timeout: 30s, interval: 200ms }}";

    public const string PortEnv = "{ PORT: \"4000\" }";

    public static string Yaml(string rolling, string health = HttpHealth, string deployExtra = "", string env = PortEnv) => $$"""
        app: hello
        strategy: remote-build
        source: { path: . }
        build: { on: { role: build }, tool: mix-release, mix_env: prod }
        deploy:
          to: { role: web }
          path: apps/hello
          keep_releases: 5
          rolling: {{rolling}}
          env: {{env}}
        {{deployExtra}}
        health: {{health}}
        """;

    public static string Write(HelloApp app, string name, string rolling, string health = HttpHealth, string deployExtra = "", string env = PortEnv) =>
        app.WriteManifest(name, Yaml(rolling, health, deployExtra, env));
}
