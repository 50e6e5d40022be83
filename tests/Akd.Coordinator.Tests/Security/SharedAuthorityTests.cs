using System.Security.Cryptography.X509Certificates;
using Akd.Contracts.Trust;
using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Akd.Coordinator.Tests.Storage;
using Akd.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Tests.Security;

/// <summary>
/// PostgreSQL only: replicas, each with a data dir of its own and nothing copied between them, on one real database
/// share one CA and make their own server certificates.
/// </summary>
[Collection(StoreCollection.Name)]
public sealed class SharedAuthorityTests(PostgresCluster cluster)
{
    [SkippableFact(Timeout = 60_000)]
    public async Task CoordinatorPki_TwoReplicasStartingTogether_OneCaEachItsOwnServerCertificate()
    {
        // Arrange: hold the CA lock, so both replicas are provably waiting on it when it is let go.
        await using var db = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        using var other = db.OtherCoordinator();
        await using var holder = await PostgresSession.TakeAdvisoryLockAsync(db.ConnectionString!, SharedCaStore.LockKey);
        var starting = new[] { (db, "a"), (other, "b") }.Select(r => Task.Run(() => PkiOf(r.Item1, r.Item2))).ToArray();

        // Act
        var started = await holder.ReleaseWhenAllWaitAsync(SharedCaStore.LockKey, starting);
        var (a, b) = (started[0], started[1]);

        // Assert: one CA, on both replicas' disks as its certificate only; each server certificate names its own replica.
        try
        {
            Assert.Equal(a.Authority.Fingerprint, b.Authority.Fingerprint);
            Assert.Equal(1, await holder.ScalarAsync<long>("SELECT count(*) FROM coordinator_ca"));
            Assert.Equal(await File.ReadAllTextAsync(Path.Combine(a.Directory, "ca.crt")), await File.ReadAllTextAsync(Path.Combine(b.Directory, "ca.crt")));
            Assert.False(File.Exists(Path.Combine(a.Directory, "ca.key")));
            Assert.False(File.Exists(Path.Combine(b.Directory, "ca.key")));
            Assert.NotEqual(a.Server.Thumbprint, b.Server.Thumbprint);
            Assert.True(CaTrust.ChainsTo(a.Server, b.Authority.PublicCertificate, CaTrust.ServerAuth));
            Assert.True(CaTrust.ChainsTo(b.Server, a.Authority.PublicCertificate, CaTrust.ServerAuth));
            Assert.Contains("a.example", SansOf(a.Server));
            Assert.DoesNotContain("a.example", SansOf(b.Server));
            Assert.Contains("b.example", SansOf(b.Server));
        }
        finally
        {
            a.Dispose();
            b.Dispose();
        }
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task CoordinatorPki_DataDirWithItsOwnCaFirstOnTheDatabase_ItsCaBecomesTheSharedOne()
    {
        // Arrange: a coordinator that ran on its own files (SQLite) moves to PostgreSQL.
        await using var db = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        using var other = db.OtherCoordinator();
        var pki = Path.Combine(db.Dir, "pki");
        Directory.CreateDirectory(pki);
        string before;
        using (var own = CertificateAuthority.LoadOrCreate(pki, TimeSpan.FromDays(30), TimeProvider.System))
        {
            before = own.Fingerprint;
        }

        // Act
        using var moved = PkiOf(db, "a");
        using var joined = PkiOf(other, "b");

        // Assert
        Assert.Equal(before, moved.Authority.Fingerprint);
        Assert.Equal(before, joined.Authority.Fingerprint);
    }

    [SkippableFact(Timeout = 60_000)]
    public async Task CoordinatorPki_DataDirWithAnotherCa_RefusedToStart()
    {
        // Arrange: replica a made the shared CA; b's data dir holds a CA of its own (an earlier, separate coordinator).
        await using var db = await TempDatabase.OpenAsync(StoreEngines.Postgres, cluster);
        using var other = db.OtherCoordinator();
        using var first = PkiOf(db, "a");
        var pki = Path.Combine(other.Dir, "pki");
        Directory.CreateDirectory(pki);
        CertificateAuthority.LoadOrCreate(pki, TimeSpan.FromDays(30), TimeProvider.System).Dispose();
        var ownCertificate = await File.ReadAllTextAsync(Path.Combine(pki, "ca.crt"));

        // Act
        var refused = Assert.Throws<InvalidOperationException>(() => PkiOf(other, "b"));

        // Assert: the message says which file and what to do; the file is left as it was.
        Assert.Contains(Path.Combine(pki, "ca.crt"), refused.Message);
        Assert.Contains(first.Authority.Fingerprint, refused.Message);
        Assert.Equal(ownCertificate, await File.ReadAllTextAsync(Path.Combine(pki, "ca.crt")));
    }

    private static CoordinatorPki PkiOf(TempDatabase db, string replica) =>
        new(Options.Create(new CoordinatorOptions { DataDir = db.Dir, ReplicaId = replica }),
            Options.Create(new TrustOptions { TlsSans = [$"{replica}.example"] }),
            ListenUrls.Parse("https://127.0.0.1:7400"), TimeProvider.System, NullLogger<CoordinatorPki>.Instance, db.Database);

    private static List<string> SansOf(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames().ToList();
}
