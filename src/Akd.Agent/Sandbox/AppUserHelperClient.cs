using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Akd.Agent.Sandbox;

/// <summary>
/// The agent's side of <see cref="AppUserHelper"/>: an agent that is not root asks the root helper, through its
/// socket, for a missing app user.
/// </summary>
internal static class AppUserHelperClient
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    /// <summary>True when the helper's socket is there (the packaged agent, with akd-app-user.socket enabled).</summary>
    public static bool IsInstalled(string socketPath) => Path.Exists(socketPath) && !Directory.Exists(socketPath);

    /// <exception cref="InvalidOperationException">The helper refused or failed; the message is its answer.</exception>
    public static async Task<AppUser> CreateAsync(string socketPath, string name, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(Timeout);
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        string answer;
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), timeout.Token).ConfigureAwait(false);
            await using var stream = new NetworkStream(socket, ownsSocket: false);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(name + "\n"), timeout.Token).ConfigureAwait(false);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            answer = await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false) ?? "error the helper closed the connection without an answer";
        }
        catch (Exception ex) when (ex is SocketException or IOException || (ex is OperationCanceledException && !ct.IsCancellationRequested))
        {
            throw new InvalidOperationException($"the app user helper at {socketPath} did not answer: {ex.Message}", ex);
        }

        var fields = answer.Split(' ');
        if (fields is ["ok", var uid, var gid]
            && int.TryParse(uid, NumberStyles.None, CultureInfo.InvariantCulture, out var u)
            && int.TryParse(gid, NumberStyles.None, CultureInfo.InvariantCulture, out var g))
        {
            return new AppUser(name, u, g);
        }

        throw new InvalidOperationException($"the app user helper at {socketPath} made no user {name}: {(answer.StartsWith("error ", StringComparison.Ordinal) ? answer["error ".Length..] : answer)}");
    }
}
