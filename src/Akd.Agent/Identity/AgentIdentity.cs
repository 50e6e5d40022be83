using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akd.Contracts.Trust;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Identity;

/// <summary>
/// Who this agent is to the coordinator: its key (made here, never sent anywhere), the client
/// certificate the coordinator issued for it, and the coordinator's CA pinned at enrollment, all under
/// <c>&lt;data-dir&gt;/identity/</c>. The certificate is swapped in place when renewed.
/// </summary>
public sealed class AgentIdentity(IOptions<AgentOptions> options, TimeProvider clock)
{
    private volatile X509Certificate2? _certificate;
    private ECDsa? _pendingKey;

    public string Directory => Path.Combine(options.Value.DataDir, "identity");

    private string CaPath => Path.Combine(Directory, "ca.crt");

    private string KeyPath => Path.Combine(Directory, "agent.key");

    private string CertificatePath => Path.Combine(Directory, "agent.crt");

    /// <summary>The coordinator's CA, the only issuer trusted for the coordinator's certificate.</summary>
    public X509Certificate2? Ca { get; private set; }

    /// <summary>The current client certificate, with its private key.</summary>
    public X509Certificate2? Certificate => _certificate;

    public bool IsEnrolled => Ca is not null && _certificate is not null;

    /// <summary>The name the coordinator knows this agent by (the certificate's subject).</summary>
    public string? Name => _certificate?.GetNameInfo(X509NameType.SimpleName, false);

    /// <summary>Loads what an earlier enrollment left; false when there is nothing (or not all of it).</summary>
    public bool TryLoad()
    {
        if (!File.Exists(CaPath) || !File.Exists(KeyPath) || !File.Exists(CertificatePath))
        {
            return false;
        }

        Ca = CaTrust.LoadCertificate(CaPath);
        _certificate = X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath);
        return true;
    }

    /// <summary>A new key and a CSR for it; the key waits here until its certificate arrives.</summary>
    public byte[] NewRequest(string name)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Interlocked.Exchange(ref _pendingKey, key)?.Dispose();
        return new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256).CreateSigningRequest();
    }

    /// <summary>
    /// Stores a certificate the coordinator issued for the pending key, after checking it: issued by
    /// <paramref name="ca"/> for client authentication, and for our key.
    /// </summary>
    public void Accept(byte[] certificateDer, X509Certificate2 ca)
    {
        var key = _pendingKey ?? throw new InvalidOperationException("no certificate request is pending");
        using var issued = X509CertificateLoader.LoadCertificate(certificateDer);
        if (!CaTrust.ChainsTo(issued, ca, CaTrust.ClientAuth))
        {
            throw new InvalidDataException("the coordinator returned a certificate its own CA did not issue");
        }

        var withKey = issued.CopyWithPrivateKey(key);
        System.IO.Directory.CreateDirectory(Directory);
        SecretFile.WritePublic(CaPath, ca.ExportCertificatePem());
        SecretFile.Write(KeyPath, key.ExportPkcs8PrivateKeyPem());
        SecretFile.WritePublic(CertificatePath, issued.ExportCertificatePem());
        Ca = ca;
        _certificate = withKey;
        _pendingKey = null;
    }

    /// <summary>True once two thirds (<see cref="AgentOptions.RenewAt"/>) of the certificate's lifetime have passed.</summary>
    public bool RenewalDue()
    {
        if (_certificate is not { } cert)
        {
            return false;
        }

        var from = cert.NotBefore.ToUniversalTime();
        var lifetime = cert.NotAfter.ToUniversalTime() - from;
        return clock.GetUtcNow().UtcDateTime >= from + lifetime * options.Value.RenewAt;
    }
}
