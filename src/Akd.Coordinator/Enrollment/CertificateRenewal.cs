using System.Security.Cryptography.X509Certificates;
using Akd.Contracts.Trust;
using Akd.Contracts.V1;
using Akd.Coordinator.Security;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Enrollment;

/// <summary>
/// A new certificate for a connected agent's new key, asked for over its stream: the agent is already
/// authenticated by the certificate it is replacing, so the name is the connection's, never the CSR's.
/// </summary>
public sealed partial class CertificateRenewal(
    AgentIdentities identities, CoordinatorPki pki, IOptions<TrustOptions> options, TimeProvider clock, ILogger<CertificateRenewal> logger)
{
    public async Task<CertificateRenewed> RenewAsync(string name, RenewCertificate request, CancellationToken ct)
    {
        var publicKey = EnrollmentService.PublicKeyOf(request.Csr);
        var now = clock.GetUtcNow();
        using var certificate = pki.Authority.Issue(new X500DistinguishedName($"CN={name}"), publicKey, CaTrust.ClientAuth,
            now - ClockSkew.Allowance(options.Value.AgentCertificateLifetime), now.Add(options.Value.AgentCertificateLifetime));
        await identities.AddCertificateAsync(name, certificate, ct).ConfigureAwait(false);
        LogRenewed(name, certificate.NotAfter.ToUniversalTime());
        return new CertificateRenewed { Certificate = ByteString.CopyFrom(certificate.RawData) };
    }

    [LoggerMessage(EventId = 925, Level = LogLevel.Information, Message = "Agent {Name} renewed its certificate, valid until {NotAfter:u}")]
    private partial void LogRenewed(string name, DateTime notAfter);
}
