using Akd.Agent.Apps;
using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Agent.Sandbox;
using Akd.Contracts.V1;
using Akd.Core.Manifest;
using Akd.Core.Releases;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Steps;

/// <summary><c>akdctl start|stop|restart</c> on one host, through the app's <see cref="IAppRunner"/>.</summary>
public sealed class AppControlStepHandler(HttpClient http, IOptions<AgentOptions> options, TimeProvider clock)
{
    public async Task<AppControlOutput> RunAsync(StepCommand command, AppManifest manifest, StepReporter reporter, CancellationToken ct)
    {
        var layout = new ReleaseLayout(DeployPath.Resolve(manifest, options.Value));
        var sandbox = await AppSandbox.ForAsync(manifest, options.Value, reporter, ct).ConfigureAwait(false);
        var runner = AppRunners.For(manifest, reporter, options.Value, sandbox);
        var activator = new ReleaseActivator(layout, manifest, runner, http, clock, reporter) { Sandbox = sandbox };
        var env = AppEnvironment.For(manifest, options.Value);
        var action = command.Control.Action;
        var phase = action switch
        {
            DeploymentKind.Start => Phase.Start,
            DeploymentKind.Stop => Phase.Stop,
            DeploymentKind.Restart => Phase.Restart,
            _ => throw new StepFailedException($"unknown action '{action.Text()}'; expected start, stop or restart"),
        };
        reporter.Phase(phase, $"{action.Text()} {manifest.App} in {layout.Root}");
        try
        {
            return action switch
            {
                DeploymentKind.Start => await activator.StartCurrentAsync(env, ct).ConfigureAwait(false),
                DeploymentKind.Stop => await activator.StopCurrentAsync(env, ct).ConfigureAwait(false),
                _ => await activator.RestartCurrentAsync(env, ct).ConfigureAwait(false),
            };
        }
        catch (IOException ex)
        {
            throw new StepFailedException(ex.Message);
        }
    }
}
