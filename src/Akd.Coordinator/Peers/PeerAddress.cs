namespace Akd.Coordinator.Peers;

/// <summary>The host part of a gRPC peer string: "ipv4:10.0.0.5:51234" → "10.0.0.5", "ipv6:[::1]:51234" → "::1".</summary>
public static class PeerAddress
{
    public static string Host(string peer)
    {
        var address = peer.StartsWith("ipv4:", StringComparison.Ordinal) || peer.StartsWith("ipv6:", StringComparison.Ordinal) ? peer[5..] : peer;
        if (address.StartsWith('['))
        {
            var end = address.IndexOf(']', StringComparison.Ordinal);
            return end > 0 ? address[1..end] : address;
        }

        var colon = address.LastIndexOf(':');
        return colon > 0 ? address[..colon] : address;
    }
}
