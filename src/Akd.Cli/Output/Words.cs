using Akd.Contracts.V1;

namespace Akd.Cli.Output;

/// <summary>How akdctl prints a deployment's state: its vocabulary word, "unknown" before the stream said one.</summary>
internal static class Words
{
    public static string Of(DeploymentState state) => state == DeploymentState.Unspecified ? "unknown" : state.Text();
}
