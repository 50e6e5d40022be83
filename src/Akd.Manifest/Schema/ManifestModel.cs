using Akd.Core.Manifest;
namespace Akd.Manifest.Schema;

/// <summary>
/// What <c>akd.yaml</c> may contain: the one description the loader validates against and the JSON
/// Schema (<c>akdctl schema</c>) is generated from.
/// </summary>
internal static class ManifestModel
{
    public const string ReleaseNamePattern = "^[a-z][a-z0-9_]*$";

    public const string MixEnvPattern = "^[a-z][a-z0-9_]*$";

    /// <summary>A portable Unix user name (useradd's default NAME_REGEX, at most 32 characters).</summary>
    public const string UserNamePattern = "^[a-z_][a-z0-9_-]{0,31}$";

    public const string EnvNamePattern = "^[A-Za-z_][A-Za-z0-9_]*$";

    public const string HttpUrlPattern = "^https?://";

    /// <summary>The port may be a <c>${VAR}</c> resolved on the host, so it is checked as a number only when it is one.</summary>
    public const string HostPortPattern = @"^(\[[0-9A-Fa-f:.]+\]|[^\s:\[\]]+):([0-9]{1,5}|\$\{[A-Za-z_][A-Za-z0-9_]*\})$";

    public const string DurationPattern = "^(?<n>[0-9]+)(?<unit>ms|s|m|h)?$";

    /// <summary>A batch written as a string: a host count, a percentage from 1 to 100, or all.</summary>
    public const string BatchPattern = "^([1-9][0-9]*|all|([1-9]|[1-9][0-9]|100)%)$";

    public static readonly (string Name, DeployStrategy Value)[] Strategies =
        [("remote-build", DeployStrategy.RemoteBuild), ("local-build", DeployStrategy.LocalBuild), ("source", DeployStrategy.Source)];

    public static readonly (string Name, BuildTool Value)[] Tools = [("mix-release", BuildTool.MixRelease), ("distillery", BuildTool.Distillery)];

    public static readonly (string Name, Toolchain Value)[] Toolchains = [("system", Toolchain.System), ("asdf", Toolchain.Asdf)];

    public static readonly (string Name, RollbackScope Value)[] RollbackScopes = [("failed", RollbackScope.Failed), ("all", RollbackScope.All)];

    /// <summary><c>deploy.start_overlap</c>'s words beside true (<see cref="StartOverlapMode.PortClosed"/>) and false.</summary>
    public static readonly (string Name, StartOverlapMode Value)[] StartOverlapWords = [("shared_port", StartOverlapMode.SharedPort)];

    public static readonly (string Name, UpgradeMode Value)[] UpgradeModes = [("restart", UpgradeMode.Restart), ("hot", UpgradeMode.Hot), ("auto", UpgradeMode.Auto)];

    public static readonly (string Name, HookStage Value)[] Stages =
    [
        ("before-build", HookStage.BeforeBuild),
        ("after-build", HookStage.AfterBuild),
        ("before-activate", HookStage.BeforeActivate),
        ("after-activate", HookStage.AfterActivate),
        ("after-start", HookStage.AfterStart),
    ];

    /// <summary>Keys that make no sense per environment: the release name is the app's identity.</summary>
    public static readonly string[] OverlayForbidden = ["app", "environments"];

    public static readonly ObjectField Source = new("Where the source comes from: the working tree akdctl uploads (path) or a git repository the agent fetches.",
    [
        new("path", new StringField("Working tree to upload, relative to the manifest (default: .). Honours .gitignore; skips _build and deps.")),
        new("git", new StringField("Git URL the build agent (or, for the source strategy, each target) clones or fetches.")),
        new("ref", new StringField("Branch, tag or commit of source.git (default: the remote's HEAD); akdctl deploy --ref overrides it.")),
    ], Exclusive: ["path", "git"], Dependent: [("ref", "git")]);

    public static readonly ObjectField Build = new("How the release is built.",
    [
        new("on", new LabelsField("Label selector of the build agent (default: { role: build }).")),
        new("tool", new ChoiceField("The builder (default: mix-release).", Names(Tools))),
        new("mix_env", new StringField("MIX_ENV of the build (default: prod).", MixEnvPattern)),
        new("toolchain", new ChoiceField("system: the host's Elixir; asdf: install what .tool-versions names (default: system).", Names(Toolchains))),
        new("include_erts", new BooleanField("Include ERTS in the release, so targets need no Erlang (default: true).")),
    ]);

    public static readonly ObjectField Rolling = new("How the release reaches the targets, batch by batch.",
    [
        new("batch", new BatchField("Hosts per batch: a number, a percentage such as \"25%\", or all (default: 1).")),
        new("max_failures", new IntegerField("Failed hosts the rollout tolerates before it stops (default: 0).", 0)),
        new("pause", new DurationField("Pause between healthy batches (default: 0).", AllowZero: true)),
        new("rollback", new ChoiceField("When the rollout stops: failed (only failed hosts go back) or all (every host that switched goes back); default failed.", Names(RollbackScopes))),
    ]);

    public static readonly ObjectField Deploy = new("Where and how the release is installed and run.",
    [
        new("to", new LabelsField("Label selector of the targets (default: { role: web }).")),
        new("path", new StringField("Deploy path on each target; relative paths resolve under the agent's data dir (default: apps/APP).")),
        new("keep_releases", new IntegerField("Releases kept per host (default: 5); the current one and the rollback target are never pruned.", 1)),
        new("rolling", Rolling),
        new("env", new EnvField("Env written to shared/.env and given to the app; the agent's own config may override it.")),
        new("run", new RunField("release (bin/APP daemon|stop), or a command such as [\"mix\", \"phx.server\"] (the source strategy).")),
        new("upgrade", new ChoiceField("restart: stop the old VM, boot the new one; hot: appup/relup into the running VM (release_handler); auto: hot when possible, restart otherwise, saying why (default: restart).", Names(UpgradeModes))),
        new("start_overlap", new SwitchField("On a cold restart: true boots the new VM as soon as the old one (sent SIGTERM) stopped listening on the health check's port, under the other of two node names, while it finishes shutting down; shared_port (the app binds its port with SO_REUSEPORT) boots and health-checks the new VM while the old one still serves, and stops the old one only then; default false.", Names(StartOverlapWords))),
        new("step_timeout", new DurationField("Longest one host's step may take (default: the coordinator's); must be longer than health.timeout.", AllowZero: false)),
        new("user", new StringField("Unix user the app, its bin/APP commands and its release hooks run as on each target (default: one system user per app and deploy path, akd-app-APP, created on first deploy).", UserNamePattern)),
    ]);

    public static readonly ObjectField Health = new("The check a new release must pass on each host; ${VAR} resolves against the host's final env.",
    [
        new("http", new StringField("URL that must answer 2xx, such as http://127.0.0.1:${PORT}/.", HttpUrlPattern)),
        new("tcp", new StringField("host:port that must accept a connection, such as 127.0.0.1:${PORT}.", HostPortPattern)),
        new("command", new CommandField("Command that must exit 0, run in the release directory.")),
        new("expect", new StringField("Text the HTTP body must contain (health.http only).")),
        new("timeout", new DurationField("Total time the check may take (default: 30s).", AllowZero: false)),
        new("interval", new DurationField("Pause between attempts (default: 250ms).", AllowZero: false)),
        new("retries", new IntegerField("Attempts before giving up; 0 means until the timeout (default: 0).", 0)),
    ], Exclusive: ["http", "tcp", "command"], Dependent: [("expect", "http")]);

    public static readonly ObjectField Hook = new("A hook: run at a stage; ensure always runs after; rollback runs when the deploy failed.",
    [
        new("name", new StringField("Unique name of the hook, such as migrate.")),
        new("at", new ChoiceField("When the hook runs.", Names(Stages))),
        new("run", new CommandsField("The command (a list of strings) or commands (a list of such lists) to run.", AllowEmpty: false)),
        new("ensure", new CommandsField("Commands that run after every hook that ran, newest first, whatever happened.", AllowEmpty: true)),
        new("rollback", new CommandsField("Commands that undo this hook when the deploy failed.", AllowEmpty: true)),
        new("ignore_failure", new BooleanField("A failing run does not stop the pipeline (default: false).")),
    ], Required: ["name", "at", "run"]);

    public static readonly ObjectField Root = new("akd.yaml: how Akd builds and deploys one Elixir application.",
    [
        new("app", new StringField("Release name; defaults to the Mix app name in the mix.exs next to the manifest.", ReleaseNamePattern)),
        new("strategy", new ChoiceField("remote-build (a build agent builds), local-build (akdctl builds here) or source (targets compile); default remote-build.", Names(Strategies))),
        new("source", Source),
        new("build", Build),
        new("deploy", Deploy),
        new("health", Health),
        new("hooks", new ListField("Commands run at stages of the deploy, in order.", Hook)),
        new("environments", new OverlaysField("Overlays merged over the manifest by akdctl deploy --env NAME.", OverlayForbidden)),
    ]);

    private static string[] Names<T>((string Name, T Value)[] table) => [.. table.Select(t => t.Name)];
}
