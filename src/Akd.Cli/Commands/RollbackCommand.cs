using System.CommandLine;
using Akd.Cli.Output;
using Akd.Contracts.V1;

namespace Akd.Cli.Commands;

/// <summary>
/// <c>akdctl rollback APP [--env E] [--to RELEASE]</c>: every target goes back to its previous release
/// (or the named one), restarts and is health-checked, batch by batch; recorded in the history.
/// </summary>
internal static class RollbackCommand
{
    public static Command Build()
    {
        var options = new AppOptions();
        var to = new Option<string?>("--to") { Description = "A release id kept on the hosts (see akdctl releases); default: each host's previous release" };
        var command = options.Operation("rollback", "Put an app back on an earlier release on every target");
        command.Options.Add(to);
        command.SetAction(async (context, parse, ct) =>
        {
            var request = new RollbackRequest
            {
                App = parse.GetValue(options.App)!,
                Environment = options.Environment(parse),
                ToRelease = parse.GetValue(to) ?? "",
                SkipOffline = parse.GetValue(options.SkipOffline),
            };
            return await FleetCall.RunAsync(context, ProgressViews.Create(context.Json), () => context.Control.Rollback(request, cancellationToken: ct),
                parse.GetValue(options.Wait), parse.GetValue(options.Detach), ct).ConfigureAwait(false);
        });
        return command;
    }
}
