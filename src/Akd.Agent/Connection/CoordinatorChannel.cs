using Akd.Contracts.Trust;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;

namespace Akd.Agent.Connection;

/// <summary>One HTTP/2 channel to the coordinator, shared by the command stream and artifact transfers.</summary>
public sealed class CoordinatorChannel : IDisposable
{
    public CoordinatorChannel(IOptions<AgentOptions> options)
    {
        var o = options.Value;
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = o.KeepAlivePingDelay,
            KeepAlivePingTimeout = o.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            // Artifact downloads: starting at 64 KiB, the window grows slowly enough to cost a 512 MiB
            // download about a fifth of its time (bench/, scenario 2). Memory is only used while data is in flight.
            InitialHttp2StreamWindowSize = 4 * 1024 * 1024,
        };
        if (!string.IsNullOrEmpty(o.CaFile))
        {
            // The coordinator's own CA, and nothing else: not the system store.
            handler.SslOptions.RemoteCertificateValidationCallback = CaTrust.ServerValidator(CaTrust.LoadCertificate(o.CaFile), trustSystem: false);
        }

        Channel = GrpcChannel.ForAddress(o.Coordinator, new GrpcChannelOptions
        {
            HttpHandler = handler,
            MaxReceiveMessageSize = 4 * 1024 * 1024,
        });
        Invoker = string.IsNullOrEmpty(o.Token)
            ? Channel.CreateCallInvoker()
            : Channel.Intercept(headers =>
            {
                headers.Add("authorization", $"Bearer {o.Token}");
                return headers;
            });
    }

    private GrpcChannel Channel { get; }

    /// <summary>What clients call through: adds the agent token to every call when one is configured.</summary>
    public CallInvoker Invoker { get; }

    public void Dispose() => Channel.Dispose();
}
