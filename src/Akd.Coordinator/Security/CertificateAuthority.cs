using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akd.Contracts.Trust;

namespace Akd.Coordinator.Security;

/// <summary>
/// The coordinator's own CA (ECDSA P-256): created on the first start under <c>&lt;data-dir&gt;/pki/</c>
/// (<c>ca.crt</c>, and <c>ca.key</c> readable by the coordinator only), loaded on every later one.
/// It signs the coordinator's server certificate and the agents' client certificates.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    private CertificateAuthority(X509Certificate2 certificate)
    {
        Certificate = certificate;
        PublicCertificate = X509CertificateLoader.LoadCertificate(certificate.RawData);
        Fingerprint = CaTrust.Fingerprint(PublicCertificate);
    }

    /// <summary>The CA certificate with its private key.</summary>
    private X509Certificate2 Certificate { get; }

    /// <summary>The CA certificate alone, to trust and to hand out.</summary>
    public X509Certificate2 PublicCertificate { get; }

    /// <summary>SHA-256 of the CA certificate: what join tokens carry and agents pin.</summary>
    public string Fingerprint { get; }

    public string Pem => PublicCertificate.ExportCertificatePem();

    public static CertificateAuthority LoadOrCreate(string pkiDir, TimeSpan lifetime, TimeProvider clock)
    {
        var certPath = Path.Combine(pkiDir, "ca.crt");
        var keyPath = Path.Combine(pkiDir, "ca.key");
        if (File.Exists(certPath) && File.Exists(keyPath))
        {
            return new CertificateAuthority(X509Certificate2.CreateFromPemFile(certPath, keyPath));
        }

        var (certificatePem, keyPem) = CreatePem(lifetime, clock);
        SecretFile.Write(keyPath, keyPem);
        SecretFile.WritePublic(certPath, certificatePem);
        return new CertificateAuthority(X509Certificate2.CreateFromPemFile(certPath, keyPath));
    }

    /// <summary>A new CA: its certificate and its private key (PKCS#8), as PEM.</summary>
    public static (string CertificatePem, string KeyPem) CreatePem(TimeSpan lifetime, TimeProvider clock)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN=Akd coordinator CA {Guid.NewGuid().ToString("N")[..8]}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = clock.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(lifetime));
        return (created.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>The CA from its certificate and private key, as PEM.</summary>
    public static CertificateAuthority FromPem(string certificatePem, string keyPem) =>
        new(X509Certificate2.CreateFromPem(certificatePem, keyPem));

    /// <summary>
    /// Signs a certificate for <paramref name="publicKey"/> with the given subject, usage and lifetime.
    /// Nothing of a request but its public key is taken: the coordinator decides every other field.
    /// </summary>
    public X509Certificate2 Issue(
        X500DistinguishedName subject, PublicKey publicKey, Oid usage, DateTimeOffset notBefore, DateTimeOffset notAfter,
        X509Extension? subjectAlternativeNames = null)
    {
        var request = new CertificateRequest(subject, publicKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(PublicCertificate, true, false));
        if (subjectAlternativeNames is not null)
        {
            request.CertificateExtensions.Add(subjectAlternativeNames);
        }

        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        var end = notAfter < PublicCertificate.NotAfter ? notAfter : new DateTimeOffset(PublicCertificate.NotAfter.ToUniversalTime());
        return request.Create(Certificate, notBefore, end, serial);
    }

    /// <summary>True when <paramref name="certificate"/> is one this CA issued for client authentication, valid now.</summary>
    /// <summary>Signs <paramref name="data"/> with the CA's key (ECDSA, SHA-256): peers check it against the CA certificate they pinned.</summary>
    public byte[] Sign(byte[] data)
    {
        using var key = Certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the CA has no ECDSA key");
        return key.SignData(data, HashAlgorithmName.SHA256);
    }

    public bool IssuedClientCertificate(X509Certificate2 certificate) => CaTrust.ChainsTo(certificate, PublicCertificate, CaTrust.ClientAuth);

    public void Dispose()
    {
        Certificate.Dispose();
        PublicCertificate.Dispose();
    }
}
