using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Akd.Contracts.Trust;
using Akd.Testing;

namespace Akd.Bench.FanOut;

/// <summary>Reads the coordinator's own count of artifact bytes it sent from its /metrics (HTTP/2, TLS, admin token).</summary>
internal sealed class CoordinatorScrape(LocalFleet fleet) : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        SslOptions = { RemoteCertificateValidationCallback = CaTrust.ServerValidator(CaTrust.LoadCertificate(fleet.CaFile), trustSystem: false) },
    }) { Timeout = TimeSpan.FromSeconds(30) };

    public async Task<long> BytesOutAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"{fleet.CoordinatorUrl}/metrics")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fleet.AdminToken);
        using var response = await _client.SendAsync(request, ct).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        var text = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
        return (long)text.Split('\n')
            .Where(l => l.StartsWith("akd_artifact_bytes_total{", StringComparison.Ordinal) && l.Contains("direction=\"out\"", StringComparison.Ordinal))
            .Sum(l => double.Parse(l[(l.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture));
    }

    public void Dispose() => _client.Dispose();
}
