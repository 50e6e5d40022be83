using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Akd.Client;
using Akd.Contracts.Trust;
using Akd.Client.Channels;
using Akd.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Identity;

/// <summary>The coordinator refused the enrollment, or is not the one the token names: retrying will not help.</summary>
public sealed class EnrollmentRefusedException(string message) : Exception(message);

/// <summary>
/// First start: pins the coordinator's CA by the join token's fingerprint before anything is sent,
/// makes a key here, and trades the token and a CSR for a client certificate.
/// </summary>
public sealed partial class Enroller(AgentIdentity identity, IOptions<AgentOptions> options, ILogger<Enroller> logger)
{
    /// <summary>Loads the identity, or enrolls with the join token; retries while the coordinator cannot be reached.</summary>
    public async Task EnsureEnrolledAsync(CancellationToken ct)
    {
        if (identity.TryLoad())
        {
            return;
        }

        var o = options.Value;
        if (!JoinTokenText.TryParse(o.Join, out var token))
        {
            throw new EnrollmentRefusedException(string.IsNullOrWhiteSpace(o.Join)
                ? $"this agent is not enrolled ({identity.Directory} is empty): start it once with --join TOKEN (akdctl agents join-token prints one)"
                : "--join is not a join token (akdctl agents join-token prints one)");
        }

        var delay = o.ReconnectBaseDelay;
        while (true)
        {
            try
            {
                await EnrollOnceAsync(token, ct).ConfigureAwait(false);
                LogEnrolled(identity.Name ?? o.Name, identity.Directory);
                return;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal && !ct.IsCancellationRequested)
            {
                LogRetry(ex.Status.Detail, delay.TotalSeconds);
                await Task.Delay(delay, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(o.ReconnectMaxDelay.Ticks, delay.Ticks * 2));
            }
            catch (RpcException ex)
            {
                throw new EnrollmentRefusedException($"the coordinator refused the enrollment: {ex.Status.Detail}");
            }
        }
    }

    private async Task EnrollOnceAsync(JoinTokenText token, CancellationToken ct)
    {
        var o = options.Value;
        var ca = await FetchPinnedCaAsync(token, ct).ConfigureAwait(false);
        using var channel = new ClientChannel(new ClientChannelOptions { Address = o.Coordinator, Ca = ca });
        var client = new Contracts.V1.Enrollment.EnrollmentClient(channel.Invoker);
        var request = new EnrollRequest { JoinToken = token.ToString(), Name = o.Name, Csr = ByteString.CopyFrom(identity.NewRequest(o.Name)) };
        EnrollResponse response;
        try
        {
            response = await client.EnrollAsync(request, deadline: CallDeadlines.Short(), cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.Status.DebugException is HttpRequestException { InnerException: AuthenticationException })
        {
            throw Mismatch(token);
        }

        identity.Accept(response.Certificate.ToByteArray(), ca);
    }

    /// <summary>
    /// The coordinator's CA from <c>/pki/ca.crt</c>, accepted only when its SHA-256 is the token's. The token
    /// itself travels later, on a connection whose server certificate must chain to that CA.
    /// </summary>
    private async Task<X509Certificate2> FetchPinnedCaAsync(JoinTokenText token, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Not trusted yet, only asked: what it answers is checked against the pin below.
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, errors) => (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None },
        };
        using var http = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        string pem;
        try
        {
            pem = await http.GetStringAsync(new Uri(new Uri(options.Value.Coordinator), "/pki/ca.crt"), ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.StatusCode is not null || ex.InnerException is AuthenticationException)
        {
            throw Mismatch(token);
        }
        catch (HttpRequestException ex)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, ex.Message));
        }

        var ca = X509Certificate2.CreateFromPem(pem);
        return CaTrust.Fingerprint(ca) == token.CaFingerprint ? ca : throw Mismatch(token);
    }

    private EnrollmentRefusedException Mismatch(JoinTokenText token) => new(
        $"the coordinator at {options.Value.Coordinator} does not present the CA the join token pins (SHA-256 {token.CaFingerprint}); the token was not sent");

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Enrolled as {Name}; key and certificate in {Directory}")]
    private partial void LogEnrolled(string name, string directory);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Cannot reach the coordinator to enroll ({Reason}); retrying in {Seconds:0.0}s")]
    private partial void LogRetry(string reason, double seconds);
}
