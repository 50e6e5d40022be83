using System.Security.Cryptography.X509Certificates;
using Akd.Coordinator.Enrollment;
using Akd.Coordinator.Errors;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Akd.Coordinator.Security;

/// <summary>
/// Decides who every call comes from (a bearer operator token, else an agent's client certificate,
/// else nobody) and whether <see cref="RpcPolicy"/> lets them make it. Fails closed.
/// </summary>
public sealed class AuthInterceptor(OperatorTokens tokens, AgentIdentities agents) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        return await continuation(request, context).ConfigureAwait(false);
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        return await continuation(requestStream, context).ConfigureAwait(false);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        await continuation(request, responseStream, context).ConfigureAwait(false);
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context).ConfigureAwait(false);
        await continuation(requestStream, responseStream, context).ConfigureAwait(false);
    }

    private async Task AuthorizeAsync(ServerCallContext context)
    {
        var access = RpcPolicy.For(context.Method)
            ?? throw new PermissionDeniedException($"{context.Method} is not open to anyone");
        var caller = await IdentifyAsync(context).ConfigureAwait(false);
        caller.AttachTo(context);
        if (access.Allows(caller))
        {
            return;
        }

        if (caller.Kind == CallerKind.Anonymous)
        {
            throw new UnauthenticatedException("this coordinator requires an identity: akdctl a token (--token-file or AKD_TOKEN), agents a certificate (enroll with --join)");
        }

        var needs = access.Operators is { } role ? $"{Article(role)} {role.ToString().ToLowerInvariant()} token" + (access.Agents ? " or an agent" : "") : "an agent";
        throw new PermissionDeniedException($"{caller} may not call {context.Method.TrimStart('/')}: it needs {needs}");
    }

    /// <summary>"an admin token", "a viewer token".</summary>
    private static string Article(Role role) => role == Role.Admin ? "an" : "a";

    private async Task<Caller> IdentifyAsync(ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue("authorization") is { } header)
        {
            if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
            {
                throw new UnauthenticatedException("the authorization header must be 'Bearer TOKEN'");
            }

            return await tokens.AuthenticateAsync(header["Bearer ".Length..].Trim(), context.CancellationToken).ConfigureAwait(false);
        }

        return context.GetHttpContext().Connection.ClientCertificate is X509Certificate2 certificate
            ? await agents.AuthenticateAsync(certificate, context.CancellationToken).ConfigureAwait(false)
            : Caller.Anonymous;
    }
}
