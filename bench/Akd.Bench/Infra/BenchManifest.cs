namespace Akd.Bench.Infra;

/// <summary>
/// The manifest every bench scenario deploys with: the bench agents' labels, the batch under test, and the
/// health check polled every 50 ms, as the baselines poll for the first answer.
/// </summary>
public static class BenchManifest
{
    /// <param name="upgrade">deploy.upgrade (restart | hot | auto); null leaves the default.</param>
    /// <param name="startOverlap">deploy.start_overlap (true | shared_port); null leaves the default (false).</param>
    /// <param name="reusePort">REUSE_PORT=true in deploy.env: examples/counter and hello then bind their port with SO_REUSEPORT.</param>
    /// <param name="keepReleases">deploy.keep_releases: capistrano's 3, or fewer where many hosts keep big releases on one disk.</param>
    public static string Write(
        string dir, string name, string app, int batch, string targets = "role: bench-web", string? upgrade = null, string? startOverlap = null, bool reusePort = false,
        int keepReleases = 3)
    {
        var upgradeLine = (upgrade is null ? "" : $"\n  upgrade: {upgrade}") + (startOverlap is null ? "" : $"\n  start_overlap: {startOverlap}");
        var env = reusePort ? "{ PORT: \"4000\", REUSE_PORT: \"true\" }" : "{ PORT: \"4000\" }";
        var yaml = $$"""
            # Written by bench/Akd.Bench for one benchmark run.
            app: {{app}}
            strategy: remote-build
            source: { path: . }
            build: { on: { role: bench-build }, tool: mix-release, mix_env: prod, include_erts: true }
            deploy:
              to: { {{targets}} }
              path: apps/{{app}}
              keep_releases: {{keepReleases}}
              rolling: { batch: {{batch}}, max_failures: 0 }
              env: {{env}}{{upgradeLine}}
            health:
              http: "http://127.0.0.1:${PORT}/health"
              interval: 50ms
              timeout: 60s
            """;
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, yaml + "\n");
        return path;
    }
}
