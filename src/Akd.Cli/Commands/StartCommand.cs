using System.CommandLine;
using Akd.Contracts.V1;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl start APP [--env E]</c>: start the current release on every target, batch by batch, health-checked.</summary>
internal static class StartCommand
{
    public static Command Build() => AppControl.Build(DeploymentKind.Start, "Start an app's current release on every target");
}
