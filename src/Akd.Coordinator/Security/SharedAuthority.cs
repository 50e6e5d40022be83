using System.Security.Cryptography.X509Certificates;
using Akd.Contracts.Trust;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Security;

/// <summary>
/// Replicas on PostgreSQL share one CA, kept in the database (<see cref="SharedCaStore"/>), so that a replica needs no
/// files copied from another before its first start. Its certificate is still written to <c>&lt;data-dir&gt;/pki/ca.crt</c>
/// (what operators hand to akdctl and browsers); its key is not written to disk.
/// </summary>
internal static class SharedAuthority
{
    /// <param name="created">True when this replica created the CA (none was stored yet).</param>
    public static CertificateAuthority LoadOrCreate(SharedCaStore store, string pkiDir, string replica, TimeSpan lifetime, TimeProvider clock, out bool created)
    {
        var certPath = Path.Combine(pkiDir, "ca.crt");
        var keyPath = Path.Combine(pkiDir, "ca.key");
        // A data dir with a CA of its own (a coordinator moved to PostgreSQL, or files copied as the README once said)
        // brings it along when no CA is shared yet, so the agents it enrolled keep trusting it.
        (string, string)? local = File.Exists(certPath) && File.Exists(keyPath) ? (File.ReadAllText(certPath), File.ReadAllText(keyPath)) : null;
        var (certificatePem, keyPem, stored) = store.LoadOrCreate(replica, () => local ?? CertificateAuthority.CreatePem(lifetime, clock));
        var authority = CertificateAuthority.FromPem(certificatePem, keyPem);
        if (File.Exists(certPath))
        {
            using var onDisk = X509CertificateLoader.LoadCertificateFromFile(certPath);
            if (CaTrust.Fingerprint(onDisk) != authority.Fingerprint)
            {
                authority.Dispose();
                throw new InvalidOperationException(
                    $"{certPath} is not the CA the replicas share in PostgreSQL (fingerprint {authority.Fingerprint}): agents enrolled with it would " +
                    $"not trust the other replicas. Move {pkiDir} away to use the shared CA, or start this data dir on its own database.");
            }
        }

        SecretFile.WritePublic(certPath, certificatePem);
        created = stored;
        return authority;
    }
}
