using Akd.Contracts.V1;
using Grpc.Core;

namespace Akd.Cli;

/// <summary>
/// Starts a deployment-like call (deploy, rollback, start/stop/restart). When the app's deploy lock is
/// held, it fails with the holder named, or, with <c>--wait</c>, follows the holder until it ends and tries again.
/// </summary>
internal static class LockWait
{

    /// <returns>The call and its first event, which names the new deployment.</returns>
    public static async Task<(AsyncServerStreamingCall<DeploymentEvent> Call, DeploymentEvent First)> StartAsync(
        CliContext context, Func<AsyncServerStreamingCall<DeploymentEvent>> start, bool wait, Action<string> note, CancellationToken ct)
    {
        while (true)
        {
            var call = start();
            try
            {
                if (!await call.ResponseStream.MoveNext(ct).ConfigureAwait(false))
                {
                    throw new CliException("the coordinator accepted the request but sent no event");
                }

                return (call, call.ResponseStream.Current);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Aborted && wait && ex.Trailers.GetValue(ControlTrailers.LockHolder) is { Length: > 0 } holder)
            {
                call.Dispose();
                note($"{ex.Status.Detail.Split("; ")[0]}; waiting for it to end (--wait)");
                await WaitForEndAsync(context, holder, ct).ConfigureAwait(false);
            }
            catch
            {
                call.Dispose();
                throw;
            }
        }
    }

    /// <summary>The first event, then the rest of the stream.</summary>
    public static async IAsyncEnumerable<DeploymentEvent> Events(
        DeploymentEvent first, IAsyncStreamReader<DeploymentEvent> rest, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken ct)
    {
        yield return first;
        await foreach (var e in rest.ReadAllAsync(ct).ConfigureAwait(false))
        {
            yield return e;
        }
    }

    private static async Task WaitForEndAsync(CliContext context, string id, CancellationToken ct)
    {
        using var watch = context.Control.WatchDeployment(new WatchDeploymentRequest { Id = id, Follow = true }, cancellationToken: ct);
        await foreach (var _ in watch.ResponseStream.ReadAllAsync(ct).ConfigureAwait(false))
        {
            // Only its end matters.
        }
    }
}
