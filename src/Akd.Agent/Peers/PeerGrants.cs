using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akd.Contracts.V1;

namespace Akd.Agent.Peers;

/// <summary>
/// Checks the grant a downloading peer shows: signed with the key of the coordinator's CA (pinned at enrollment),
/// for this artifact, for the agent named in the peer's TLS certificate, and not expired. The coordinator issues
/// one only to an agent that may download the artifact itself, so a peer serves nothing its asker could not get.
/// </summary>
internal static class PeerGrants
{
    /// <returns>Null when the grant holds, else why not.</returns>
    public static string? Check(PeerGrant? grant, string sha256, string peerName, X509Certificate2 ca, DateTimeOffset now)
    {
        if (grant is null || grant.Body.IsEmpty)
        {
            return "no grant";
        }

        using var key = ca.GetECDsaPublicKey();
        if (key is null || !key.VerifyData(grant.Body.Span, grant.Signature.Span, HashAlgorithmName.SHA256))
        {
            return "the grant's signature is not the coordinator's";
        }

        var body = PeerGrantBody.Parser.ParseFrom(grant.Body);
        if (body.Sha256 != sha256)
        {
            return "the grant is for another artifact";
        }

        if (body.Agent != peerName)
        {
            return $"the grant is for agent {body.Agent}, not {peerName}";
        }

        return DateTimeOffset.FromUnixTimeSeconds(body.ExpiresUnixSeconds) < now ? "the grant expired" : null;
    }
}
