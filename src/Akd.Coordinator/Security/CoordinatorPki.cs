using System.Security.Cryptography.X509Certificates;
using Akd.Coordinator.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Security;

/// <summary>
/// The CA and the server certificate, ready before Kestrel starts. An operator's own server
/// certificate (Kestrel:Certificates:Default) replaces ours on the wire; the CA still signs the agents'.
/// </summary>
public sealed partial class CoordinatorPki : IDisposable
{
    public CoordinatorPki(
        IOptions<CoordinatorOptions> coordinator, IOptions<TrustOptions> trust, ListenUrls urls, TimeProvider clock, ILogger<CoordinatorPki> logger, Database database)
    {
        Directory = Path.Combine(coordinator.Value.DataDir, "pki");
        System.IO.Directory.CreateDirectory(Directory);
        if (database is PostgresDatabase shared)
        {
            var replica = string.IsNullOrWhiteSpace(coordinator.Value.ReplicaId) ? System.Net.Dns.GetHostName() : coordinator.Value.ReplicaId.Trim();
            Authority = SharedAuthority.LoadOrCreate(new SharedCaStore(shared), Directory, replica, trust.Value.CaLifetime, clock, out var created);
            LogShared(logger, created ? "created and stored in" : "loaded from");
        }
        else
        {
            Authority = CertificateAuthority.LoadOrCreate(Directory, trust.Value.CaLifetime, clock);
        }

        var names = ServerCertificate.NamesFor(urls.Addresses, trust.Value.TlsSans);
        Server = ServerCertificate.LoadOrCreate(Directory, Authority, names, trust.Value.ServerCertificateLifetime, clock);
        LogReady(logger, Path.Combine(Directory, "ca.crt"), Authority.Fingerprint, string.Join(", ", names));
    }

    /// <summary><c>&lt;data-dir&gt;/pki</c>.</summary>
    public string Directory { get; }

    public CertificateAuthority Authority { get; }

    public X509Certificate2 Server { get; }

    public void Dispose()
    {
        Authority.Dispose();
        Server.Dispose();
    }

    [LoggerMessage(EventId = 901, Level = LogLevel.Information, Message = "CA {How} PostgreSQL: every replica signs with it")]
    private static partial void LogShared(ILogger logger, string how);

    [LoggerMessage(EventId = 900, Level = LogLevel.Information, Message = "CA certificate {Path}, SHA-256 fingerprint {Fingerprint}; server certificate for {Names}")]
    private static partial void LogReady(ILogger logger, string path, string fingerprint, string names);
}
