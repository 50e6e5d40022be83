using Akd.Cli;
using Spectre.Console;

// Piped into a CI log, Spectre would assume 80 columns and wrap the tables into unreadable cells.
if (Console.IsOutputRedirected)
{
    AnsiConsole.Profile.Width = 200;
}

return await CliApp.BuildRoot().Parse(args).InvokeAsync();
