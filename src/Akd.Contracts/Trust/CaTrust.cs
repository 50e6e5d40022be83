using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Akd.Contracts.Trust;

/// <summary>
/// Checks certificates against the coordinator's own CA: the server certificate an agent or akdctl
/// sees, and the client certificate an agent presents. One implementation for all three programs.
/// </summary>
public static class CaTrust
{
    /// <summary>Server authentication (1.3.6.1.5.5.7.3.1).</summary>
    public static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");

    /// <summary>Client authentication (1.3.6.1.5.5.7.3.2).</summary>
    public static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    /// <summary>Lower-case hex SHA-256 of the certificate's DER bytes: what a join token pins.</summary>
    public static string Fingerprint(X509Certificate2 certificate) => Convert.ToHexStringLower(SHA256.HashData(certificate.RawData));

    /// <summary>True when <paramref name="leaf"/> was issued by <paramref name="ca"/> for <paramref name="usage"/> and is valid now.</summary>
    public static bool ChainsTo(X509Certificate2 leaf, X509Certificate2 ca, Oid usage)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(usage);
        return chain.Build(leaf) && chain.ChainElements[^1].Certificate.RawData.AsSpan().SequenceEqual(ca.RawData);
    }

    /// <summary>
    /// The chain policy that trusts <paramref name="ca"/> alone, for <paramref name="usage"/>, offline. Handed to SslStream
    /// (its <c>CertificateChainPolicy</c>), it makes the handshake's own chain build the check: without it, that build runs
    /// against the system store (on Linux a fresh OpenSSL store of every system root, each handshake) only for the result
    /// to be set aside and the chain built again against the CA. Revocation is the coordinator's store's job, not a CRL's.
    /// </summary>
    public static X509ChainPolicy PinnedPolicy(X509Certificate2 ca, Oid usage)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.CustomTrustStore.Add(ca);
        policy.ApplicationPolicy.Add(usage);
        return policy;
    }

    /// <summary>
    /// With <see cref="PinnedPolicy"/> as the handshake's chain policy: a server certificate is accepted when that chain
    /// (to the CA, for server authentication, valid now) and the name check found nothing wrong.
    /// </summary>
    public static RemoteCertificateValidationCallback PinnedServerValidator { get; } =
        (_, certificate, _, errors) => certificate is not null && errors == SslPolicyErrors.None;

    /// <summary>
    /// Accepts a server certificate the system trusts, or one issued by <paramref name="ca"/> (when given)
    /// for the host that was dialled. A name mismatch is never forgiven.
    /// </summary>
    public static RemoteCertificateValidationCallback ServerValidator(X509Certificate2? ca, bool trustSystem) =>
        (_, certificate, _, errors) =>
        {
            if (errors == SslPolicyErrors.None && trustSystem)
            {
                return true;
            }

            if (ca is null || certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
            {
                return false;
            }

            using var leaf = new X509Certificate2(certificate);
            return ChainsTo(leaf, ca, ServerAuth);
        };

    /// <summary>Reads a PEM certificate file (the CA's <c>ca.crt</c>).</summary>
    public static X509Certificate2 LoadCertificate(string path) => X509Certificate2.CreateFromPem(File.ReadAllText(path));
}
