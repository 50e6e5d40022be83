using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akd.Contracts.V1;
using Google.Protobuf;

namespace Akd.Testing;

/// <summary>Enrolls as a real agent does (a key made here, a CSR, a join token) without an agent process: the certificate stays in memory.</summary>
public static class Enrollments
{
    /// <summary>Returns the issued certificate with its key, ready to present in a TLS handshake.</summary>
    public static async Task<X509Certificate2> EnrollAsync(Enrollment.EnrollmentClient client, string join, string name, CancellationToken ct)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var csr = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256).CreateSigningRequest();
        var reply = await client.EnrollAsync(new EnrollRequest { JoinToken = join, Name = name, Csr = ByteString.CopyFrom(csr) }, cancellationToken: ct)
            .ConfigureAwait(false);
        using var issued = X509CertificateLoader.LoadCertificate(reply.Certificate.ToByteArray());
        // Exported and loaded again: SslStream wants a key it can use on every connection.
        using var withKey = issued.CopyWithPrivateKey(key);
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null);
    }
}
