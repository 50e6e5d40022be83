namespace Akd.Bench.Infra;

/// <summary>
/// The manifest every bench scenario deploys with: the bench agents' labels, the batch under test, and the
/// health check polled every 50 ms, as the baselines poll for the first answer.
/// </summary>
public static class BenchManifest
{
    /// <param name="upgrade">deploy.upgrade (restart | hot | auto); null leaves the default.</param>
    /// <param name="startOverlap">deploy.start_overlap: a cold restart boots the new VM while the old one shuts down.</param>
    /// <param name="keepReleases">deploy.keep_releases: capistrano's 3, or fewer where many hosts keep big releases on one disk.</param>
    public static string Write(
        string dir, string name, string app, int batch, string targets = "role: bench-web", string? upgrade = null, bool startOverlap = false, int keepReleases = 3)
    {
        var upgradeLine = (upgrade is null ? "" : $"\n  upgrade: {upgrade}") + (startOverlap ? "\n  start_overlap: true" : "");
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
              env: { PORT: "4000" }{{upgradeLine}}
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
