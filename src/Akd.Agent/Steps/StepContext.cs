using Akd.Agent.Apps;
using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Agent.Upgrades;
using Akd.Core.Manifest;
using Akd.Core.Releases;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Steps;

/// <summary>
/// What one step works with on this host, built once per step (<see cref="StepContexts"/>): the resolved manifest, the
/// step's reporter, the app's release layout and its env here, its sandbox (made on first use: making it may create
/// the app's Unix user, which a step must not do before it knows it goes ahead), and activators made from them.
/// </summary>
internal sealed class StepContext(AppManifest manifest, StepReporter reporter, string deployRoot, AgentOptions options, HttpClient http, TimeProvider clock)
{
    private Dictionary<string, string>? _env;
    private AppSandbox? _sandbox;

    public AppManifest Manifest => manifest;

    public StepReporter Reporter => reporter;

    public AgentOptions Options => options;

    /// <summary>The agent's clock, for every wait and timestamp of the step.</summary>
    public TimeProvider Clock => clock;

    public ReleaseLayout Layout { get; } = new(deployRoot);

    /// <summary>The app's env on this host (<see cref="AppEnvironment"/>), made once for the step.</summary>
    public Dictionary<string, string> Env => _env ??= AppEnvironment.For(manifest, options);

    /// <summary>The journal an activation records itself in before it switches, in the agent's data dir.</summary>
    public ActivationJournal Journal => new(options.DataDir);

    /// <summary>The app's sandbox (its Unix user, or the agent's own), made on the first call.</summary>
    public async Task<AppSandbox> SandboxAsync(CancellationToken ct) =>
        _sandbox ??= await AppSandbox.ForAsync(manifest, options, reporter, ct).ConfigureAwait(false);

    /// <summary>An activator of this app running in <paramref name="sandbox"/>, with the runner the manifest picks.</summary>
    public ReleaseActivator Activator(
        AppSandbox sandbox, IActivationHooks? hooks = null, ActivationJournal? journal = null, byte[]? command = null, HotUpgradePolicy? upgrade = null) =>
        new(Layout, manifest, AppRunners.For(manifest, reporter, options, sandbox, clock), http, clock, reporter, options)
        {
            Sandbox = sandbox,
            Hooks = hooks,
            Journal = journal,
            Command = command ?? [],
            Upgrade = upgrade,
        };
}

/// <summary>Builds each step's <see cref="StepContext"/> from the agent's options, HTTP client and clock.</summary>
public sealed class StepContexts(HttpClient http, IOptions<AgentOptions> options, TimeProvider clock)
{
    /// <summary>The context of a step on the app's deploy path as this agent resolves it.</summary>
    internal StepContext For(AppManifest manifest, StepReporter reporter) => At(DeployPath.Resolve(manifest, options.Value), manifest, reporter);

    /// <summary>The context of a step on <paramref name="deployRoot"/> (an activation journal names where it ran).</summary>
    internal StepContext At(string deployRoot, AppManifest manifest, StepReporter reporter) => new(manifest, reporter, deployRoot, options.Value, http, clock);
}
