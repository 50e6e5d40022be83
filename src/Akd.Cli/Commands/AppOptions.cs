using System.CommandLine;

namespace Akd.Cli.Commands;

/// <summary>The argument and options of the verbs that act on a deployed app: rollback, releases, start, stop, restart.</summary>
internal sealed class AppOptions
{
    public Argument<string> App { get; } = new("app") { Description = "The app (its release name), as deployed" };

    public Option<string?> Env { get; } = new("--env") { Description = "Environment the app was deployed to with deploy --env" };

    public Option<bool> SkipOffline { get; } = new("--skip-offline") { Description = "Act on the online targets even when some are offline (recorded)" };

    public Option<bool> Wait { get; } = new("--wait") { Description = "When another deployment of the app holds its lock, wait for it to end instead of failing" };

    public Option<bool> Detach { get; } = new("--detach") { Description = "Start it, print its id and return" };

    /// <summary>A verb that changes the fleet: app, --env, --skip-offline, --wait, --detach.</summary>
    public Command Operation(string name, string description)
    {
        var command = Query(name, description);
        command.Options.Add(SkipOffline);
        command.Options.Add(Wait);
        command.Options.Add(Detach);
        return command;
    }

    /// <summary>A verb that only reads: app and --env.</summary>
    public Command Query(string name, string description) => new(name, description) { App, Env };

    public string Environment(ParseResult parse) => parse.GetValue(Env) ?? "";
}
