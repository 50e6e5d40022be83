using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Security;

/// <summary>
/// Bearer tokens: agents present the agent token, akdctl the control token. The agent stream needs the
/// agent token, the control API the control token, and artifacts either (agents move releases,
/// akdctl uploads sources). A token that is not configured leaves its callers unauthenticated.
/// </summary>
public sealed class TokenAuthInterceptor(IOptions<CoordinatorOptions> options) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(request, responseStream, context);
    }

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Authorize(context);
        return continuation(requestStream, responseStream, context);
    }

    private void Authorize(ServerCallContext context)
    {
        var o = options.Value;
        if (ServiceOf(context.Method) == "grpc.health.v1.Health")
        {
            // Load balancers and probes ask without credentials; health says nothing about the fleet.
            return;
        }

        var accepted = ServiceOf(context.Method) switch
        {
            "akd.v1.AgentHub" => [o.AgentToken],
            "akd.v1.Control" => [o.ControlToken],
            _ => new[] { o.AgentToken, o.ControlToken },
        };
        if (accepted.Any(string.IsNullOrEmpty))
        {
            return;
        }

        var presented = context.RequestHeaders.GetValue("authorization") is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal)
            ? header["Bearer ".Length..].Trim()
            : null;
        if (presented is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "this coordinator requires a token (akdctl: AKD_TOKEN or --token-file; agents: Agent:Token)"));
        }

        if (!accepted.Any(token => FixedTimeEquals(token!, presented)))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "the token was not accepted for this service"));
        }
    }

    private static string ServiceOf(string method) => method.TrimStart('/').Split('/')[0];

    private static bool FixedTimeEquals(string expected, string presented) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(presented)));
}
