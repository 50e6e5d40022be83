using System.CommandLine;
using Akd.Cli.Commands;

namespace Akd.Cli;

/// <summary>The verbs of akdctl and the options every verb shares.</summary>
internal static class CliApp
{
    public static readonly Option<string?> Coordinator = new("--coordinator")
    {
        Description = "Coordinator URL, or several replicas' separated by commas (default: $AKD_COORDINATOR, then https://127.0.0.1:7400)",
        Recursive = true,
    };

    public static readonly Option<string> Output = new("--output", "-o")
    {
        Description = "text, or json for one JSON object per line",
        DefaultValueFactory = _ => "text",
        Recursive = true,
    };

    public static readonly Option<string?> TokenFile = new("--token-file")
    {
        Description = "File holding your token for the coordinator (default: the token itself in $AKD_TOKEN)",
        Recursive = true,
    };

    public static readonly Option<string?> CaFile = new("--ca-file")
    {
        Description = "PEM file of the coordinator's CA (its <data-dir>/pki/ca.crt), trusted besides the system store (default: $AKD_CA_FILE)",
        Recursive = true,
    };

    public static RootCommand BuildRoot()
    {
        Output.AcceptOnlyFromAmong("text", "json");
        var root = new RootCommand("akdctl: deploy Elixir applications with Akd");
        root.Options.Add(Coordinator);
        root.Options.Add(Output);
        root.Options.Add(TokenFile);
        root.Options.Add(CaFile);
        root.Subcommands.Add(InitCommand.Build());
        root.Subcommands.Add(DeployCommand.Build());
        root.Subcommands.Add(AgentsCommand.Build());
        root.Subcommands.Add(TokensCommand.Build());
        root.Subcommands.Add(DeploymentsCommand.Build());
        root.Subcommands.Add(StatusCommand.Build());
        root.Subcommands.Add(LogsCommand.Build());
        root.Subcommands.Add(CancelCommand.Build());
        root.Subcommands.Add(RollbackCommand.Build());
        root.Subcommands.Add(ReleasesCommand.Build());
        root.Subcommands.Add(StartCommand.Build());
        root.Subcommands.Add(StopCommand.Build());
        root.Subcommands.Add(RestartCommand.Build());
        root.Subcommands.Add(SchemaCommand.Build());
        return root;
    }
}
