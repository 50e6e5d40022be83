using System.CommandLine;

namespace Akd.Cli;

/// <summary>
/// Bad arguments get one line on stderr and exit code 2, like every other akdctl error, instead of
/// System.CommandLine's full help page: the line names the problem and the verb's usage.
/// </summary>
internal static class UsageError
{
    /// <summary>Null when <paramref name="parse"/> has no errors.</summary>
    public static string? Describe(ParseResult parse)
    {
        if (parse.Errors.Count == 0)
        {
            return null;
        }

        var command = parse.CommandResult.Command;
        var path = string.Join(' ', Ancestry(parse.CommandResult).Select(c => c.Name));
        var problems = string.Join(" ", parse.Errors.Select(e => e.Message.TrimEnd('.') + "."));
        var usage = command.Subcommands.Count > 0 && command.Arguments.Count == 0
            ? $"{path} VERB ..., see {path} --help"
            : $"{path}{string.Concat(command.Arguments.Select(a => $" {a.Name.ToUpperInvariant()}"))}{(command.Options.Count > 0 ? " [options]" : "")}, see {path} --help";
        return $"{problems} Usage: {usage}";
    }

    private static IEnumerable<Command> Ancestry(System.CommandLine.Parsing.CommandResult result)
    {
        var chain = new Stack<Command>();
        for (var current = result; current is not null; current = current.Parent as System.CommandLine.Parsing.CommandResult)
        {
            chain.Push(current.Command);
        }

        return chain.Select((c, i) => i == 0 ? new Command("akdctl") : c);
    }
}
