using System.Net.Security;
using Akd.Contracts.Trust;
using Akd.Coordinator.Enrollment;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Akd.Coordinator.Security;

/// <summary>
/// HTTP/2 over TLS with the coordinator's own certificate. Client certificates are asked for but not
/// required, so akdctl (bearer tokens) and agents (certificates) share one port; who a caller is gets
/// decided per call, against the coordinator's CA, not by the handshake.
/// </summary>
internal static class TransportSecurity
{
    /// <summary>Returns why the coordinator must not start (a cleartext URL), or null.</summary>
    public static string? AddTransportSecurity(this WebApplicationBuilder builder, Dictionary<string, string?> flags)
    {
        builder.Configuration.AddInMemoryCollection(flags);
        builder.Services.AddOptions<TrustOptions>().BindConfiguration("Trust").ValidateOnStart();
        if ((ListenUrls.Malformed(builder.Configuration["urls"], "--urls") ?? ListenUrls.Malformed(builder.Configuration["Dashboard:Urls"], "--dashboard-urls")) is { } malformed)
        {
            return malformed;
        }

        var urls = ListenUrls.Parse(builder.Configuration["urls"]);
        var trust = builder.Configuration.GetSection("Trust").Get<TrustOptions>() ?? new TrustOptions();
        if (urls.Refusal(trust.InsecurePlaintext) is { } refusal)
        {
            return refusal;
        }

        builder.WebHost.UseUrls(urls.Addresses.Select(a => a.ToString()).ToArray());
        builder.Services.AddSingleton(urls);
        builder.Services.AddSingleton<CoordinatorPki>();
        var operatorCertificate = !string.IsNullOrEmpty(builder.Configuration["Kestrel:Certificates:Default:Path"]);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            var pki = kestrel.ApplicationServices.GetRequiredService<CoordinatorPki>();
            kestrel.ConfigureHttpsDefaults(https =>
            {
                if (!operatorCertificate)
                {
                    https.ServerCertificate = pki.Server;
                    https.ServerCertificateChain = [pki.Authority.PublicCertificate];
                }

                https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;
                https.HandshakeTimeout = kestrel.ApplicationServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<CoordinatorOptions>>().Value.HandshakeTimeout;
                // The handshake's chain build of a client certificate runs against our CA alone (not the system store), and
                // its verdict is the one AgentIdentities uses: one build per handshake. Any certificate is still let through
                // here; who the caller is gets decided per call.
                var policy = CaTrust.PinnedPolicy(pki.Authority.PublicCertificate, CaTrust.ClientAuth);
                https.OnAuthenticate = (_, ssl) => ssl.CertificateChainPolicy = policy;
                var identities = new Lazy<AgentIdentities>(() => kestrel.ApplicationServices.GetRequiredService<AgentIdentities>());
                https.ClientCertificateValidation = (certificate, _, errors) =>
                {
                    if (errors == SslPolicyErrors.None)
                    {
                        identities.Value.ChainVerifiedInHandshake(certificate);
                    }

                    return true;
                };
            });
        });
        return null;
    }

    /// <summary>
    /// Creates the CA before anything listens, so its certificate is on disk once the port answers, and
    /// serves it at <c>/pki/ca.crt</c> (public; not an RPC): an enrolling agent fetches it, checks it
    /// against the fingerprint its join token carries, and only then trusts this server with the token.
    /// </summary>
    public static void UseTransportSecurity(this WebApplication app)
    {
        var pki = app.Services.GetRequiredService<CoordinatorPki>();
        app.MapGet(CaPath, () => Results.Text(pki.Authority.Pem, "application/x-pem-file"));
    }

    public const string CaPath = "/pki/ca.crt";
}
