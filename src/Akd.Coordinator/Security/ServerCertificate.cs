using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akd.Contracts.Trust;
using Microsoft.AspNetCore.Http;

namespace Akd.Coordinator.Security;

/// <summary>
/// The coordinator's own server certificate (<c>pki/server.crt</c>, <c>pki/server.key</c>), issued by its CA
/// for the hosts of <c>--urls</c> and every <c>--tls-san</c>. Remade at start when those names change
/// or it nears its end.
/// </summary>
internal static class ServerCertificate
{
    private static readonly TimeSpan RenewBefore = TimeSpan.FromDays(30);

    public static X509Certificate2 LoadOrCreate(string pkiDir, CertificateAuthority ca, IReadOnlyList<string> names, TimeSpan lifetime, TimeProvider clock)
    {
        var certPath = Path.Combine(pkiDir, "server.crt");
        var keyPath = Path.Combine(pkiDir, "server.key");
        var namesPath = Path.Combine(pkiDir, "server.names");
        var wanted = string.Join("\n", names);
        var now = clock.GetUtcNow();
        if (File.Exists(certPath) && File.Exists(keyPath) && File.Exists(namesPath) && File.ReadAllText(namesPath) == wanted)
        {
            var existing = X509Certificate2.CreateFromPemFile(certPath, keyPath);
            if (existing.NotAfter.ToUniversalTime() - now.UtcDateTime > RenewBefore && CaTrust.ChainsTo(existing, ca.PublicCertificate, CaTrust.ServerAuth))
            {
                return existing;
            }

            existing.Dispose();
        }

        var sans = new SubjectAlternativeNameBuilder();
        foreach (var name in names)
        {
            if (IPAddress.TryParse(name, out var ip))
            {
                sans.AddIpAddress(ip);
            }
            else
            {
                sans.AddDnsName(name);
            }
        }

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = new CertificateRequest("CN=x", key, HashAlgorithmName.SHA256).PublicKey;
        using var issued = ca.Issue(new X500DistinguishedName($"CN={names[0]}"), publicKey, CaTrust.ServerAuth,
            now.AddMinutes(-5), now.Add(lifetime), sans.Build());
        SecretFile.Write(keyPath, key.ExportPkcs8PrivateKeyPem());
        SecretFile.WritePublic(certPath, issued.ExportCertificatePem());
        SecretFile.WritePublic(namesPath, wanted);
        return X509Certificate2.CreateFromPemFile(certPath, keyPath);
    }

    /// <summary>
    /// The names the certificate must carry: the hosts of the URLs (a wildcard address stands for the
    /// machine's name and loopback), loopback always, then the operator's extra names.
    /// </summary>
    public static List<string> NamesFor(IEnumerable<BindingAddress> urls, IEnumerable<string> extra)
    {
        var names = new List<string>();
        foreach (var url in urls)
        {
            var host = url.Host.Trim('[', ']');
            if (host is "0.0.0.0" or "::" or "*" or "+")
            {
                names.Add(Dns.GetHostName());
            }
            else
            {
                names.Add(host);
            }
        }

        names.AddRange(["localhost", "127.0.0.1", "::1"]);
        names.AddRange(extra.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()));
        return names.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }
}
