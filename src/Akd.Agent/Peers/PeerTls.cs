using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Akd.Contracts.Trust;

namespace Akd.Agent.Peers;

/// <summary>
/// Mutual TLS between peers: each side presents the client certificate the coordinator issued it, and accepts
/// only a certificate issued by the CA it pinned at enrollment; the dialling side also checks the name.
/// </summary>
internal static class PeerTls
{
    public static string? NameOf(X509Certificate? certificate) =>
        certificate is null ? null : new X509Certificate2(certificate).GetNameInfo(X509NameType.SimpleName, false);

    public static bool Issued(X509Certificate? certificate, X509Certificate2 ca) =>
        certificate is not null && CaTrust.ChainsTo(new X509Certificate2(certificate), ca, CaTrust.ClientAuth);

    public static SslServerAuthenticationOptions Server(X509Certificate2 own, X509Certificate2 ca) => new()
    {
        ServerCertificateContext = SslStreamCertificateContext.Create(own, additionalCertificates: null, offline: true),
        ClientCertificateRequired = true,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => Issued(certificate, ca),
    };

    public static SslClientAuthenticationOptions Client(X509Certificate2 own, X509Certificate2 ca, string expectedPeer) => new()
    {
        TargetHost = expectedPeer,
        ClientCertificates = [own],
        LocalCertificateSelectionCallback = (_, _, _, _, _) => own,
        RemoteCertificateValidationCallback = (_, certificate, _, _) => Issued(certificate, ca) && NameOf(certificate) == expectedPeer,
    };
}
