using Akd.Contracts.Trust;
using Grpc.Net.Client;

namespace Akd.Bench.Infra;

/// <summary>A channel to a bench coordinator that trusts its CA (and nothing else).</summary>
public static class BenchChannel
{
    public static GrpcChannel Create(string url, string caFile) => GrpcChannel.ForAddress(url, new GrpcChannelOptions
    {
        HttpHandler = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = CaTrust.ServerValidator(CaTrust.LoadCertificate(caFile), trustSystem: false) },
        },
    });
}
