using Akd.Cli;
using Spectre.Console;

// Piped into a CI log, Spectre would assume 80 columns and wrap the tables into unreadable cells.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 200;
}

var parse = CliApp.BuildRoot().Parse(args);
if (UsageError.Describe(parse) is { } usage)
{
    Console.Error.WriteLine($"akdctl: {usage}");
    return ExitCodes.Usage;
}

return await parse.InvokeAsync();
