using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Akd.Bench.Transfer;

/// <summary>
/// Scenario 2's yardstick for TLS: the same two hops with nothing of Akd in them. A bare <see cref="SslStream"/> pair
/// over loopback (TLS 1.3, an ECDSA P-256 certificate pinned by the client, as the coordinator's), in this process:
/// the upload's sender hashes while it reads the file and its receiver hashes and writes, then the download's sender
/// reads the stored file and its receiver hashes and writes, 64 KiB at a time, as Akd's hops do. No gRPC, no HTTP/2, no
/// coordinator: what any TLS transfer of these bytes costs on this machine, so Akd's figure can be read against it.
/// </summary>
internal sealed class TlsFloor : IDisposable
{
    private const int Chunk = 64 * 1024;
    private readonly X509Certificate2 _certificate;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public TlsFloor()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=tls-floor", key, HashAlgorithmName.SHA256);
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(12));
        // Through PKCS#12 so that the private key is usable by SslStream on Linux.
        _certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        _listener.Start();
    }

    /// <summary>One hop: <paramref name="from"/> to <paramref name="to"/> over a new TLS connection; the handshake is not timed.</summary>
    /// <returns>The time from the first byte read to the receiver's last write.</returns>
    public async Task<TimeSpan> HopAsync(string from, string to, bool senderHashes, CancellationToken ct)
    {
        var accepted = AcceptAsync(ct);
        await using var sender = await ConnectAsync(ct).ConfigureAwait(false);
        await using var receiver = await accepted.ConfigureAwait(false);
        var size = new FileInfo(from).Length;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(
            Task.Run(() => SendAsync(sender, from, senderHashes, ct), ct),
            Task.Run(() => ReceiveAsync(receiver, to, size, ct), ct)).ConfigureAwait(false);
        return watch.Elapsed;
    }

    public void Dispose()
    {
        _listener.Stop();
        _certificate.Dispose();
    }

    private async Task<SslStream> AcceptAsync(CancellationToken ct)
    {
        var socket = await _listener.AcceptTcpClientAsync(ct).ConfigureAwait(false);
        socket.NoDelay = true;
        var tls = new SslStream(socket.GetStream(), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, ct).ConfigureAwait(false);
        return tls;
    }

    private async Task<SslStream> ConnectAsync(CancellationToken ct)
    {
        var socket = new TcpClient { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)_listener.LocalEndpoint).Port, ct).ConfigureAwait(false);
        var pinned = _certificate.GetCertHashString(HashAlgorithmName.SHA256);
        var tls = new SslStream(socket.GetStream(), leaveInnerStreamOpen: false);
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "tls-floor",
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate?.GetCertHashString(HashAlgorithmName.SHA256) == pinned,
        }, ct).ConfigureAwait(false);
        return tls;
    }

    private static async Task SendAsync(SslStream tls, string path, bool hashes, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0);
        var buffer = new byte[1024 * 1024];
        int read;
        while ((read = file.Read(buffer)) > 0)
        {
            if (hashes)
            {
                hash.AppendData(buffer, 0, read);
            }

            for (var at = 0; at < read; at += Chunk)
            {
                await tls.WriteAsync(buffer.AsMemory(at, Math.Min(Chunk, read - at)), ct).ConfigureAwait(false);
            }
        }

        await tls.FlushAsync(ct).ConfigureAwait(false);
        // The receiver's one-byte answer: closing before it read everything would reset the connection under it.
        await tls.ReadExactlyAsync(new byte[1], ct).ConfigureAwait(false);
    }

    private static async Task ReceiveAsync(SslStream tls, string path, long size, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        var buffer = new byte[Chunk];
        for (long left = size; left > 0;)
        {
            var read = await tls.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException($"the TLS floor's sender stopped {left} bytes short");
            }

            hash.AppendData(buffer, 0, read);
            file.Write(buffer, 0, read);
            left -= read;
        }

        hash.GetHashAndReset();
        await tls.WriteAsync(new byte[1], ct).ConfigureAwait(false);
        await tls.FlushAsync(ct).ConfigureAwait(false);
    }
}
