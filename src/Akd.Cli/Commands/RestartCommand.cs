using System.CommandLine;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl restart APP [--env E]</c>: stop and start the current release on every target, batch by batch, health-checked.</summary>
internal static class RestartCommand
{
    public static Command Build() => AppControl.Build("restart", "Restart an app on every target, batch by batch");
}
