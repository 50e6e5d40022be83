using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Akd.Agent.Identity;
using Akd.Contracts.Trust;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Tests.Identity;

public sealed class JoinTokenFileTests : IDisposable
{
    private static readonly string Token = JoinTokenText.New(new string('a', 64)).ToString();
    private readonly string _dir = Directory.CreateTempSubdirectory("akd-join-file-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_FileWithCrLfAndMoreLines_ReturnsTheFirstLineTrimmed()
    {
        // Arrange: as an editor on another system may save it.
        var path = Path.Combine(_dir, "join");
        await File.WriteAllTextAsync(path, $"{Token}\r\nsomething else\n");

        // Act
        var token = await JoinTokenFile.ReadAsync(path, TextReader.Null, CancellationToken.None);

        // Assert
        Assert.Equal(Token, token);
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_Dash_ReadsStandardInput()
    {
        var token = await JoinTokenFile.ReadAsync("-", new StringReader(Token + "\n"), CancellationToken.None);

        Assert.Equal(Token, token);
    }

    [Fact(Timeout = 10_000)]
    public async Task ReadAsync_MissingFileOrEmptyInput_RefusedNamingTheFile()
    {
        // Arrange
        var missing = Path.Combine(_dir, "nope");
        var empty = Path.Combine(_dir, "empty");
        await File.WriteAllTextAsync(empty, "\n");

        // Act
        var notThere = await Assert.ThrowsAsync<EnrollmentRefusedException>(() => JoinTokenFile.ReadAsync(missing, TextReader.Null, CancellationToken.None));
        var blank = await Assert.ThrowsAsync<EnrollmentRefusedException>(() => JoinTokenFile.ReadAsync(empty, TextReader.Null, CancellationToken.None));
        var noInput = await Assert.ThrowsAsync<EnrollmentRefusedException>(() => JoinTokenFile.ReadAsync("-", TextReader.Null, CancellationToken.None));

        // Assert
        Assert.Contains($"cannot read {missing}", notThere.Message);
        Assert.Contains($"{empty} is empty", blank.Message);
        Assert.Contains("nothing on standard input", noInput.Message);
    }

    [Fact(Timeout = 10_000)]
    public async Task EnsureEnrolledAsync_JoinFileWithoutAToken_RefusedNamingTheFileBeforeAnyConnection()
    {
        // Arrange: no coordinator listens at the address; a refusal before dialing is the only way to end quickly.
        var path = Path.Combine(_dir, "join");
        await File.WriteAllTextAsync(path, "not-a-token\n");
        var options = Options.Create(new AgentOptions { Coordinator = "https://127.0.0.1:1", Name = "web-1", DataDir = _dir, JoinFile = path });
        var enroller = new Enroller(new AgentIdentity(options, TimeProvider.System), options, NullLogger<Enroller>.Instance);

        // Act
        var ex = await Assert.ThrowsAsync<EnrollmentRefusedException>(() => enroller.EnsureEnrolledAsync(CancellationToken.None));

        // Assert
        Assert.Contains($"--join-file: {path} does not hold a join token", ex.Message);
    }

    [Fact(Timeout = 10_000)]
    public async Task EnsureEnrolledAsync_AlreadyEnrolledAndJoinFileGone_DoesNotReadIt()
    {
        // Arrange: an identity as enrollment leaves it, and a join file deleted afterwards.
        var options = Options.Create(new AgentOptions { Name = "web-1", DataDir = _dir, JoinFile = Path.Combine(_dir, "deleted") });
        Issue(new AgentIdentity(options, TimeProvider.System), "web-1");
        var enroller = new Enroller(new AgentIdentity(options, TimeProvider.System), options, NullLogger<Enroller>.Instance);

        // Act + Assert: returns without a refusal.
        await enroller.EnsureEnrolledAsync(CancellationToken.None);
    }

    /// <summary>What a coordinator's CA does with the identity's CSR, done here with a throwaway CA.</summary>
    private static void Issue(AgentIdentity identity, string name)
    {
        // One clock reading, and the CA outlives the leaf: read twice, the leaf's end could pass the CA's by a second.
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=test CA", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));
        var request = CertificateRequest.LoadSigningRequest(identity.NewRequest(name), HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([CaTrust.ClientAuth], false));
        using var issued = request.Create(ca, now.AddMinutes(-5), now.AddDays(1), RandomNumberGenerator.GetBytes(16));
        identity.Accept(issued.RawData, X509CertificateLoader.LoadCertificate(ca.RawData));
    }
}
