using System.Text;
using Akd.Core.Manifest;

namespace Akd.Cli.Init;

/// <summary>
/// The commented <c>akd.yaml</c> that <c>akdctl init</c> writes: every section with what was detected
/// filled in, the alternatives in comments, and nothing that would fail on a fresh <c>mix new</c> project.
/// </summary>
internal static class ManifestTemplate
{
    /// <summary>Written next to the manifest by init, and named in its yaml-language-server modeline.</summary>
    public const string SchemaFile = "akd.schema.json";

    public static string Render(ProjectFacts facts, DeployStrategy strategy)
    {
        var app = facts.Mix.App;
        var release = strategy != DeployStrategy.Source;
        var distillery = release && facts.UsesDistillery;
        var http = facts.HttpServer is not null;
        var yaml = new StringBuilder();

        yaml.AppendLine($"# yaml-language-server: $schema=./{SchemaFile}");
        yaml.AppendLine($"# Akd manifest for {app}{(facts.Mix.Version is { } v ? $" (mix.exs version {v})" : "")}, written by `akdctl init`.");
        yaml.AppendLine("# Deploy with `akdctl deploy`; `akdctl deploy --env staging` applies an overlay from environments:.");
        yaml.AppendLine();
        yaml.AppendLine($"app: {app,-24} # release name: the Mix app (mix release's default release)");
        yaml.AppendLine();
        yaml.AppendLine(StrategyComment(strategy));
        yaml.AppendLine($"strategy: {Name(strategy)}");
        yaml.AppendLine();
        yaml.AppendLine("source:");
        yaml.AppendLine("  path: .                      # akdctl sends this working tree (honours .gitignore; skips _build, deps)");
        yaml.AppendLine($"  # git: https://example.org/{app}.git   # or the agents fetch this instead");
        yaml.AppendLine("  # ref: main");
        yaml.AppendLine();
        yaml.AppendLine("build:");
        if (strategy == DeployStrategy.RemoteBuild)
        {
            yaml.AppendLine("  on: { role: build }          # which agent builds: a label selector");
        }

        if (release)
        {
            yaml.AppendLine(distillery
                ? "  tool: distillery             # found :distillery in mix.exs: mix distillery.release --env=prod"
                : "  tool: mix-release            # Elixir's mix release (or distillery)");
        }

        yaml.AppendLine("  mix_env: prod");
        yaml.AppendLine(facts.Mix.HasToolVersions
            ? "  toolchain: asdf              # found .tool-versions: asdf installs those versions"
            : "  toolchain: system            # the Elixir installed on the host (or asdf, with a .tool-versions)");
        if (release)
        {
            yaml.AppendLine("  include_erts: true           # ship ERTS so the targets need no Erlang");
        }

        yaml.AppendLine();
        yaml.AppendLine("deploy:");
        yaml.AppendLine("  to: { role: web }            # which agents run the app: a label selector");
        yaml.AppendLine($"  path: apps/{app,-17} # relative: under each agent's data dir");
        yaml.AppendLine("  keep_releases: 5");
        yaml.AppendLine("  rolling: { batch: 1, max_failures: 0 }");
        yaml.AppendLine("  # Secrets (SECRET_KEY_BASE, DATABASE_URL...) belong in each agent's config, not here.");
        if (http)
        {
            yaml.AppendLine("  env:");
            yaml.AppendLine("    PORT: \"4000\"                # an agent's --app-env PORT=... overrides it");
            if (facts.HttpServer == "phoenix" && release)
            {
                yaml.AppendLine("    PHX_SERVER: \"true\"          # a Phoenix release starts its endpoint only with this");
            }
        }
        else
        {
            yaml.AppendLine("  env: {}");
        }

        yaml.AppendLine(RunLine(facts, strategy));
        if (strategy != DeployStrategy.Source && !facts.UsesDistillery)
        {
            yaml.AppendLine("  # upgrade: auto              # restart (default) | hot | auto: relup into the running VM (needs :sasl)");
        }

        if (strategy != DeployStrategy.Source)
        {
            yaml.AppendLine("  # start_overlap: shared_port # false (default) | true | shared_port: the new VM boots while the old one serves (SO_REUSEPORT)");
        }

        yaml.AppendLine($"  # user: {app}                  # the Unix user it runs as on each host (default: akd-app-{app}, made on first deploy)");

        yaml.AppendLine();
        yaml.Append(Health(facts, strategy, distillery));
        yaml.AppendLine();
        yaml.AppendLine($"# hooks:                       # e.g. Ecto migrations, through a {ModuleName(app)}.Release module of yours");
        yaml.AppendLine("#   - name: migrate");
        yaml.AppendLine("#     at: after-activate");
        yaml.AppendLine($"#     run: [\"bin/{app}\", \"eval\", \"{ModuleName(app)}.Release.migrate()\"]");
        yaml.AppendLine();
        yaml.AppendLine("# environments:");
        yaml.AppendLine("#   staging:    { deploy: { to: { role: web, env: staging } } }");
        yaml.AppendLine("#   production: { deploy: { to: { role: web, env: production }, rolling: { batch: \"25%\" } } }");
        return yaml.ToString();
    }

    public static string Name(DeployStrategy strategy) => strategy switch
    {
        DeployStrategy.LocalBuild => "local-build",
        DeployStrategy.Source => "source",
        _ => "remote-build",
    };

    private static string StrategyComment(DeployStrategy strategy) => strategy switch
    {
        DeployStrategy.LocalBuild =>
            "# local-build: akdctl builds the release on this machine (ERTS included) and uploads it;\n" +
            "# the targets need no Erlang. Others: remote-build (an agent builds), source (targets build).",
        DeployStrategy.Source =>
            "# source: the targets receive the source, compile it with mix and run it.\n" +
            "# Others: remote-build (an agent builds a release), local-build (akdctl builds it here).",
        _ =>
            "# remote-build: an agent labelled role=build builds the release and uploads it; the targets\n" +
            "# only receive the release. Others: local-build (akdctl builds it here), source (targets build).",
    };

    private static string RunLine(ProjectFacts facts, DeployStrategy strategy)
    {
        if (strategy != DeployStrategy.Source)
        {
            return facts.UsesDistillery
                ? $"  run: release                 # bin/{facts.Mix.App} start | stop"
                : $"  run: release                 # bin/{facts.Mix.App} daemon | stop";
        }

        return facts.HttpServer == "phoenix"
            ? "  run: { command: [\"mix\", \"phx.server\"] }   # Phoenix: MIX_ENV=prod mix phx.server"
            : "  run: { command: [\"mix\", \"run\", \"--no-halt\"] }";
    }

    private static string Health(ProjectFacts facts, DeployStrategy strategy, bool distillery)
    {
        var app = facts.Mix.App;
        if (facts.HttpServer is { } server)
        {
            return "health:\n" +
                $"  http: \"http://127.0.0.1:${{PORT}}/\"   # {server}: a path that answers 2xx without logging in\n" +
                "  timeout: 30s\n";
        }

        if (strategy == DeployStrategy.Source)
        {
            return "# No HTTP server found in mix.exs: only the app process is watched. When it listens, add:\n" +
                "# health:\n" +
                "#   http: \"http://127.0.0.1:${PORT}/health\"\n" +
                "#   timeout: 30s\n";
        }

        var probe = distillery ? "ping" : "pid";
        return "# No HTTP server found in mix.exs: the check is that the release's node is up and answers.\n" +
            "# When the app listens, prefer: http: \"http://127.0.0.1:${PORT}/health\"\n" +
            "health:\n" +
            $"  command: [\"bin/{app}\", \"{probe}\"]\n" +
            "  timeout: 30s\n";
    }

    /// <summary><c>my_app</c> → <c>MyApp</c>, as <c>mix new</c> names the module.</summary>
    private static string ModuleName(string app) =>
        string.Concat(app.Split('_', StringSplitOptions.RemoveEmptyEntries).Select(p => char.ToUpperInvariant(p[0]) + p[1..]));
}
