using System.CommandLine;
using Akd.Contracts.V1;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl stop APP [--env E]</c>: stop the app on every target, batch by batch.</summary>
internal static class StopCommand
{
    public static Command Build() => AppControl.Build(DeploymentKind.Stop, "Stop an app on every target");
}
