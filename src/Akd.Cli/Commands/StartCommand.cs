using System.CommandLine;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl start APP [--env E]</c>: start the current release on every target, batch by batch, health-checked.</summary>
internal static class StartCommand
{
    public static Command Build() => AppControl.Build("start", "Start an app's current release on every target");
}
