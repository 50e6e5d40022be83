using Akd.Coordinator.Errors;
using Akd.Coordinator.Security;

namespace Akd.Coordinator.Observability;

/// <summary>
/// <c>/metrics</c> is plain HTTP, outside the gRPC interceptor: it asks for an operator token with at
/// least the viewer role, as <c>Authorization: Bearer</c>, like every read of the control API.
/// </summary>
public static class MetricsEndpointAuth
{
    /// <summary>Puts the token check in front of the endpoint's own handler.</summary>
    public static TBuilder RequireViewerToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            var inner = endpoint.RequestDelegate ?? throw new InvalidOperationException("the metrics endpoint has no handler");
            endpoint.RequestDelegate = async context =>
            {
                if (await CheckAsync(context).ConfigureAwait(false) is { } refused)
                {
                    context.Response.StatusCode = refused;
                    return;
                }

                await inner(context).ConfigureAwait(false);
            };
        });
        return builder;
    }

    /// <summary>Null when the request may see the metrics, else the HTTP status to answer with.</summary>
    private static async Task<int?> CheckAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return StatusCodes.Status401Unauthorized;
        }

        try
        {
            var tokens = context.RequestServices.GetRequiredService<OperatorTokens>();
            var caller = await tokens.AuthenticateAsync(header["Bearer ".Length..].Trim(), context.RequestAborted).ConfigureAwait(false);
            return caller.Kind == CallerKind.Operator && caller.Role >= Role.Viewer ? null : StatusCodes.Status403Forbidden;
        }
        catch (UnauthenticatedException)
        {
            // Unknown, revoked or expired: the same answer as a wrong token, without saying which.
            return StatusCodes.Status403Forbidden;
        }
    }
}
