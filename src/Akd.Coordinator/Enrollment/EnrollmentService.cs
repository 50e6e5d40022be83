using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Akd.Contracts.Trust;
using Akd.Contracts.V1;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Enrollment;

/// <summary>
/// Turns a join token and a CSR into a client certificate. The agent's key never leaves its host;
/// name and labels come from the token, never from the request's subject or extensions.
/// </summary>
public sealed class EnrollmentService(
    IdentityStore store, AgentIdentities identities, CoordinatorPki pki, IOptions<TrustOptions> options, TimeProvider clock)
    : Contracts.V1.Enrollment.EnrollmentBase
{
    public override async Task<EnrollResponse> Enroll(EnrollRequest request, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        if (!JoinTokenText.TryParse(request.JoinToken, out var presented))
        {
            throw new UnauthenticatedException("this is not a join token (akdctl agents join-token prints one)");
        }

        if (presented.CaFingerprint != pki.Authority.Fingerprint)
        {
            throw new PreconditionFailedException("this join token was made by another coordinator (its CA fingerprint differs)");
        }

        var token = await store.FindJoinTokenAsync(presented.Id, ct).ConfigureAwait(false);
        if (token is null || !CryptographicOperations.FixedTimeEquals(
            Encoding.ASCII.GetBytes(JoinTokenText.Hash(presented.Secret)), Encoding.ASCII.GetBytes(token.SecretHash)))
        {
            throw new UnauthenticatedException("the join token was not accepted");
        }

        var now = clock.GetUtcNow();
        if (token.ExpiresAt <= now)
        {
            throw new PermissionDeniedException($"join token {token.Id} expired at {token.ExpiresAt.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
        }

        if (token.UsesLeft <= 0)
        {
            throw new PermissionDeniedException($"join token {token.Id} is used up");
        }

        var name = NameFor(request.Name.Trim(), token);
        await identities.EnsureLoadedAsync(ct).ConfigureAwait(false);
        if (identities.IsEnrolled(name))
        {
            throw new AlreadyExistsException($"agent {name} is already enrolled; another agent cannot take its name (akdctl agents remove {name} first)");
        }

        var publicKey = PublicKeyOf(request.Csr);
        using var certificate = pki.Authority.Issue(new X500DistinguishedName($"CN={name}"), publicKey, CaTrust.ClientAuth,
            now - ClockSkew.Allowance(options.Value.AgentCertificateLifetime), now.Add(options.Value.AgentCertificateLifetime));
        var identity = new AgentIdentityRecord(name, token.Labels, now, null);
        if (!await store.EnrollAsync(token.Id, identity, certificate.SerialNumber, certificate.NotAfter.ToUniversalTime(), ct).ConfigureAwait(false))
        {
            throw new ConcurrentChangeException($"join token {token.Id} was used up, or {name} enrolled, at the same moment; ask for a new token");
        }

        await identities.AddAsync(identity, certificate.SerialNumber, ct).ConfigureAwait(false);
        var response = new EnrollResponse { Name = name, Certificate = ByteString.CopyFrom(certificate.RawData) };
        response.Labels.Add(token.Labels.ToDictionary());
        return response;
    }

    /// <summary>The public key of a CSR whose signature checks out: the agent holds the key it asks a certificate for.</summary>
    internal static PublicKey PublicKeyOf(ByteString csr)
    {
        try
        {
            return CertificateRequest.LoadSigningRequest(csr.ToByteArray(), HashAlgorithmName.SHA256, CertificateRequestLoadOptions.Default).PublicKey;
        }
        catch (CryptographicException ex)
        {
            throw new InvalidRequestException($"the certificate request is not valid: {ex.Message}");
        }
    }

    private static string NameFor(string asked, JoinTokenRecord token)
    {
        var name = asked.Length > 0 ? asked : token.Name;
        if (name.Length == 0)
        {
            throw new InvalidRequestException("the agent must ask for a name (--name)");
        }

        if (!AgentNames.IsValid(name))
        {
            throw new InvalidRequestException($"'{name}' is not a valid agent name (letters, digits, '.', '_', '-'; at most 63)");
        }

        if (token.Name.Length > 0 && name != token.Name)
        {
            throw new PermissionDeniedException($"join token {token.Id} is for agent {token.Name}, not {name}");
        }

        if (token.NamePrefix.Length > 0 && !name.StartsWith(token.NamePrefix, StringComparison.Ordinal))
        {
            throw new PermissionDeniedException($"join token {token.Id} is for agents named {token.NamePrefix}*, not {name}");
        }

        return name;
    }

}
