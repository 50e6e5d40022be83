using Akd.Agent.Releases;
using Akd.Agent.Reporting;
using Akd.Contracts.V1;

namespace Akd.Agent.Steps;

/// <summary><c>akdctl start|stop|restart</c> on one host, through the app's <see cref="IAppRunner"/>.</summary>
public sealed class AppControlStepHandler
{
    internal async Task<AppControlOutput> RunAsync(StepCommand command, StepContext context, CancellationToken ct)
    {
        var activator = context.Activator(await context.SandboxAsync(ct).ConfigureAwait(false));
        var env = context.Env;
        var action = command.Control.Action;
        var phase = action switch
        {
            DeploymentKind.Start => Phase.Start,
            DeploymentKind.Stop => Phase.Stop,
            DeploymentKind.Restart => Phase.Restart,
            _ => throw new StepFailedException($"unknown action '{action.Text()}'; expected start, stop or restart"),
        };
        context.Reporter.Phase(phase, $"{action.Text()} {context.Manifest.App} in {context.Layout.Root}");
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
