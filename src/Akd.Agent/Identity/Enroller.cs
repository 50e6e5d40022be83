using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
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
public sealed partial class Enroller(AgentIdentity identity, IOptions<AgentOptions> options, ILogger<Enroller> logger, TimeProvider? clock = null)
{
    /// <summary>Where <c>--join-file -</c> reads the token; the process's standard input unless a test gives another.</summary>
    internal TextReader StandardInput { get; init; } = Console.In;

    /// <summary>Loads the identity, or enrolls with the join token; retries while the coordinator cannot be reached.</summary>
    public async Task EnsureEnrolledAsync(CancellationToken ct)
    {
        if (identity.TryLoad())
        {
            return;
        }

        var o = options.Value;
        var fromFile = string.IsNullOrWhiteSpace(o.Join) && !string.IsNullOrWhiteSpace(o.JoinFile);
        var text = fromFile ? await JoinTokenFile.ReadAsync(o.JoinFile, StandardInput, ct).ConfigureAwait(false) : o.Join;
        if (!JoinTokenText.TryParse(text, out var token))
        {
            throw new EnrollmentRefusedException(string.IsNullOrWhiteSpace(text)
                ? $"this agent is not enrolled ({identity.Directory} is empty): start it once with --join-file FILE or --join TOKEN (akdctl agents join-token prints one)"
                : fromFile
                    ? $"--join-file: {o.JoinFile} does not hold a join token (akdctl agents join-token prints one)"
                    : "--join is not a join token (akdctl agents join-token prints one)");
        }

        // Replicas share the CA and the enrollment: any one that answers will do, the next after one that does not.
        var addresses = CoordinatorAddresses.Parse(o.Coordinator);
        var next = Random.Shared.Next(addresses.Count);
        var delay = o.ReconnectBaseDelay;
        while (true)
        {
            var address = addresses[next++ % addresses.Count];
            try
            {
                await EnrollOnceAsync(address, token, ct).ConfigureAwait(false);
                LogEnrolled(identity.Name ?? o.Name, identity.Directory);
                return;
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal && !ct.IsCancellationRequested)
            {
                LogRetry(address.ToString(), ex.Status.Detail, delay.TotalSeconds);
                await Task.Delay(delay, clock ?? TimeProvider.System, ct).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(o.ReconnectMaxDelay.Ticks, delay.Ticks * 2));
            }
            catch (RpcException ex)
            {
                throw new EnrollmentRefusedException($"the coordinator refused the enrollment: {ex.Status.Detail}");
            }
        }
    }

    private async Task EnrollOnceAsync(Uri address, JoinTokenText token, CancellationToken ct)
    {
        var o = options.Value;
        var ca = await FetchPinnedCaAsync(address, token, o.ConnectTimeout, ct).ConfigureAwait(false);
        using var channel = new ClientChannel(ChannelOptions(address, ca, o));
        var client = new Contracts.V1.Enrollment.EnrollmentClient(channel.Invoker);
        var request = new EnrollRequest { JoinToken = token.ToString(), Name = o.Name, Csr = ByteString.CopyFrom(identity.NewRequest(o.Name)) };
        EnrollResponse response;
        try
        {
            response = await client.EnrollAsync(request, deadline: channel.ShortDeadline(clock), cancellationToken: ct).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.Status.DebugException is HttpRequestException { InnerException: AuthenticationException })
        {
            throw Mismatch(address, token);
        }

        identity.Accept(response.Certificate.ToByteArray(), ca);
    }

    /// <summary>The enrollment's channel: pinned to <paramref name="ca"/>, with the agent's connect and enroll timeouts.</summary>
    internal static ClientChannelOptions ChannelOptions(Uri address, X509Certificate2 ca, AgentOptions o) =>
        new() { Address = address.ToString(), Ca = ca, ConnectTimeout = o.ConnectTimeout, HandshakeTimeout = o.HandshakeTimeout, ShortCallTimeout = o.EnrollTimeout };

    /// <summary>
    /// The coordinator's CA from <c>/pki/ca.crt</c>, accepted only when its SHA-256 is the token's. The token
    /// itself travels later, on a connection whose server certificate must chain to that CA.
    /// </summary>
    private static async Task<X509Certificate2> FetchPinnedCaAsync(Uri address, JoinTokenText token, TimeSpan connectTimeout, CancellationToken ct)
    {
        using var handler = new SocketsHttpHandler
        {
            ConnectTimeout = connectTimeout,
            // Not trusted yet, only asked: what it answers is checked against the pin below.
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, errors) => (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None },
        };
        using var http = new HttpClient(handler) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        string pem;
        try
        {
            pem = await http.GetStringAsync(new Uri(address, "/pki/ca.crt"), ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.StatusCode is not null || ex.InnerException is AuthenticationException)
        {
            throw Mismatch(address, token);
        }
        catch (HttpRequestException ex)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, ex.Message));
        }

        var ca = X509Certificate2.CreateFromPem(pem);
        return CaTrust.Fingerprint(ca) == token.CaFingerprint ? ca : throw Mismatch(address, token);
    }

    private static EnrollmentRefusedException Mismatch(Uri address, JoinTokenText token) => new(
        $"the coordinator at {address} does not present the CA the join token pins (SHA-256 {token.CaFingerprint}); the token was not sent");

    [LoggerMessage(EventId = 30, Level = LogLevel.Information, Message = "Enrolled as {Name}; key and certificate in {Directory}")]
    private partial void LogEnrolled(string name, string directory);

    [LoggerMessage(EventId = 31, Level = LogLevel.Warning, Message = "Cannot reach the coordinator at {Coordinator} to enroll ({Reason}); retrying in {Seconds:0.0}s")]
    private partial void LogRetry(string coordinator, string reason, double seconds);
}
