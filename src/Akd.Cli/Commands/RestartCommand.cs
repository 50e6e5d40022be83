using System.CommandLine;
using Akd.Contracts.V1;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl restart APP [--env E]</c>: stop and start the current release on every target, batch by batch, health-checked.</summary>
internal static class RestartCommand
{
    public static Command Build() => AppControl.Build(DeploymentKind.Restart, "Restart an app on every target, batch by batch");
}
