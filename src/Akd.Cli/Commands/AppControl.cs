using System.CommandLine;
using Akd.Cli.Output;
using Akd.Contracts.V1;

namespace Akd.Cli.Commands;

/// <summary>What start, stop and restart share: one request to the coordinator, rolled out like a deploy.</summary>
internal static class AppControl
{
    public static Command Build(DeploymentKind action, string description)
    {
        var options = new AppOptions();
        var command = options.Operation(action.Text(), description);
        command.SetAction(async (context, parse, ct) =>
        {
            var request = new ControlAppRequest
            {
                App = parse.GetValue(options.App)!,
                Environment = options.Environment(parse),
                Action = action,
                SkipOffline = parse.GetValue(options.SkipOffline),
            };
            return await FleetCall.RunAsync(context, ProgressViews.Create(context.Json), () => context.Control.ControlApp(request, cancellationToken: ct),
                parse.GetValue(options.Wait), parse.GetValue(options.Detach), ct).ConfigureAwait(false);
        });
        return command;
    }
}
