using Akd.Contracts.V1;

namespace Akd.Cli.Output;

/// <summary>How <c>akdctl deploy</c> shows a deployment while it runs.</summary>
internal interface IProgressView
{
    /// <summary>A line about what akdctl itself is doing (packing, uploading).</summary>
    void Note(string message);

    void Detached(DeploymentEvent first);

    /// <summary>Shows events until the deployment ends; returns its final state.</summary>
    Task<DeploymentState> FollowAsync(IAsyncEnumerable<DeploymentEvent> events, CancellationToken ct);
}

internal static class ProgressViews
{
    /// <param name="printFrom">Line by line, print from the first event it accepts (see <see cref="PlainProgressView"/>).</param>
    public static IProgressView Create(bool json, Func<DeploymentEvent, bool>? printFrom = null) =>
        json ? new JsonProgressView()
        : Console.IsOutputRedirected ? new PlainProgressView(printFrom)
        : new LiveProgressView();
}
