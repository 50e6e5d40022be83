using Akd.Cli;

return await CliApp.BuildRoot().Parse(args).InvokeAsync();
