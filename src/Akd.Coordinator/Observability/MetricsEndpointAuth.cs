using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Observability;

/// <summary>
/// <c>/metrics</c> is plain HTTP, outside the gRPC interceptor: it asks for the same control token as the
/// control API (a scraper sends it as <c>Authorization: Bearer</c>), and is open exactly when that is.
/// </summary>
public static class MetricsEndpointAuth
{
    /// <summary>Puts the token check in front of the endpoint's own handler.</summary>
    public static TBuilder RequireControlToken<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            var inner = endpoint.RequestDelegate ?? throw new InvalidOperationException("the metrics endpoint has no handler");
            endpoint.RequestDelegate = context =>
            {
                var status = Check(context);
                if (status is { } refused)
                {
                    context.Response.StatusCode = refused;
                    return Task.CompletedTask;
                }

                return inner(context);
            };
        });
        return builder;
    }

    /// <summary>Null when the request may see the metrics, else the HTTP status to answer with.</summary>
    private static int? Check(HttpContext context)
    {
        var expected = context.RequestServices.GetRequiredService<IOptions<CoordinatorOptions>>().Value.ControlToken;
        if (string.IsNullOrEmpty(expected))
        {
            return null;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return StatusCodes.Status401Unauthorized;
        }

        var presented = header["Bearer ".Length..].Trim();
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(expected)), SHA256.HashData(Encoding.UTF8.GetBytes(presented)))
            ? null
            : StatusCodes.Status403Forbidden;
    }
}
