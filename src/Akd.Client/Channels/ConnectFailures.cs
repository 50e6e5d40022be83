using System.Net.Sockets;
using Grpc.Core;

namespace Akd.Client.Channels;

/// <summary>Which failed calls never reached a coordinator, so trying the next replica cannot run anything twice.</summary>
public static class ConnectFailures
{
    /// <summary>No connection could be opened (refused, unreachable, unknown name, connect timeout): the request was not sent.</summary>
    public static bool NotSent(RpcException ex) =>
        (ex.StatusCode == StatusCode.Unavailable && ex.Status.DebugException is HttpRequestException http &&
         (http.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError || http.InnerException is SocketException))
        || (ex.StatusCode == StatusCode.Cancelled && HandshakeTimedOut(ex.Status.DebugException));

    /// <summary>
    /// The handler's connect timeout (TCP and TLS handshake) ran out: gRPC reports it as Cancelled, with the handler's
    /// TimeoutException inside. A caller's own cancellation carries none.
    /// </summary>
    private static bool HandshakeTimedOut(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is TimeoutException)
            {
                return true;
            }
        }

        return false;
    }
}
