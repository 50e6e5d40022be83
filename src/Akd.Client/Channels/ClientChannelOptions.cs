using System.Security.Cryptography.X509Certificates;

namespace Akd.Client.Channels;

/// <summary>How to reach the coordinator and whom to trust. Exactly one credential, or none for enrollment and health.</summary>
public sealed class ClientChannelOptions
{
    /// <summary>
    /// The coordinator's URL, e.g. <c>https://coord:7400</c>, or several replicas' separated by commas
    /// (<c>https://c1:7400,https://c2:7400</c>): calls go to one that can be reached.
    /// </summary>
    public required string Address { get; init; }

    /// <summary>
    /// With several URLs, the index of the one tried first. Null: a random one, so that many clients
    /// (agents) spread over the replicas.
    /// </summary>
    public int? FirstAddress { get; init; }

    /// <summary>The coordinator's CA: a server certificate issued by it (for the dialled name) is trusted. Null: the system store alone.</summary>
    public X509Certificate2? Ca { get; init; }

    /// <summary>Also trust server certificates the system store trusts (akdctl); false pins the CA alone (agents, tests, bench).</summary>
    public bool TrustSystemStore { get; init; }

    /// <summary>An operator's bearer token, sent with every call. Never logged.</summary>
    public string? BearerToken { get; init; }

    /// <summary>
    /// The agent's client certificate (with its key) for mutual TLS. Asked per connection, so a renewed
    /// certificate is used from the next connection on.
    /// </summary>
    public Func<X509Certificate2>? ClientCertificate { get; init; }

    /// <summary>How long the TCP connect may take (a replica that is down is given up this soon).</summary>
    public TimeSpan ConnectTimeout { get; init; } = Reconnects.ConnectTimeout;

    /// <summary>How long the TCP connect plus the TLS handshake may take (<see cref="Reconnects.HandshakeTimeout"/> says why longer).</summary>
    public TimeSpan HandshakeTimeout { get; init; } = Reconnects.HandshakeTimeout;

    /// <summary>
    /// How long a call that is not a stream (a listing, a lookup, an enrollment) may take: a hung coordinator must not
    /// hang a script or a first start. <see cref="ClientChannel.ShortDeadline"/> gives the deadline of one started now.
    /// </summary>
    public TimeSpan ShortCallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>HTTP/2 keep-alive pings, so a dead connection is noticed when nothing flows; null sends none.</summary>
    public TimeSpan? KeepAlivePingDelay { get; init; }

    /// <summary>How long a keep-alive ping may go unanswered before the connection is dropped.</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// The HTTP/2 receive window of each stream. Artifact downloads: starting at 64 KiB, the window grows
    /// slowly enough to cost a 512 MiB download about a fifth of its time (bench/, scenario 2). Memory
    /// is only used while data is in flight.
    /// </summary>
    public int InitialHttp2StreamWindowSize { get; init; } = 4 * 1024 * 1024;

    /// <summary>More than one HTTP/2 connection when a connection's stream limit is reached.</summary>
    public bool EnableMultipleHttp2Connections { get; init; } = true;

    /// <summary>The largest message accepted from the coordinator.</summary>
    public int MaxReceiveMessageSize { get; init; } = 4 * 1024 * 1024;
}
