using Akd.Contracts.Trust;
using Akd.Contracts.V1;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace Akd.Bench.Infra;

/// <summary>A channel to a bench coordinator that trusts its CA (and nothing else), presenting its bootstrap admin token.</summary>
public sealed class BenchChannel : IDisposable
{
    private readonly GrpcChannel _channel;

    public BenchChannel(string url, string coordinatorDataDir)
    {
        _channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = { RemoteCertificateValidationCallback = CaTrust.ServerValidator(CaTrust.LoadCertificate(CaFileOf(coordinatorDataDir)), trustSystem: false) },
            },
        });
        var token = File.ReadAllText(AdminTokenFileOf(coordinatorDataDir)).Trim();
        Invoker = _channel.Intercept(headers =>
        {
            headers.Add("authorization", $"Bearer {token}");
            return headers;
        });
    }

    public CallInvoker Invoker { get; }

    /// <summary>The CA certificate a coordinator writes on its first start.</summary>
    public static string CaFileOf(string coordinatorDataDir) => Path.Combine(coordinatorDataDir, "pki", "ca.crt");

    /// <summary>The bootstrap admin token a coordinator writes on its first start.</summary>
    public static string AdminTokenFileOf(string coordinatorDataDir) => Path.Combine(coordinatorDataDir, "admin.token");

    /// <summary>Waits for the files of a coordinator's first start: it listens only after writing them, but be sure.</summary>
    public static async Task WaitForTrustFilesAsync(string coordinatorDataDir, CancellationToken ct)
    {
        for (var i = 0; i < 300 && !(File.Exists(CaFileOf(coordinatorDataDir)) && File.Exists(AdminTokenFileOf(coordinatorDataDir))); i++)
        {
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }

    /// <summary>A join token as <c>akdctl agents join-token</c> makes it.</summary>
    public async Task<string> JoinTokenAsync(string labels, string? name, string? prefix = null, int uses = 1, CancellationToken ct = default)
    {
        var request = new CreateJoinTokenRequest { Name = name ?? "", NamePrefix = prefix ?? "", Uses = uses };
        foreach (var pair in labels.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=');
            request.Labels[pair[..eq]] = pair[(eq + 1)..];
        }

        var reply = await new AgentAccess.AgentAccessClient(Invoker).CreateJoinTokenAsync(request, cancellationToken: ct).ConfigureAwait(false);
        return reply.Token;
    }

    public void Dispose() => _channel.Dispose();
}
