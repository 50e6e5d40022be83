using Akd.Contracts.V1;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Akd.Coordinator.Security;

/// <summary>Admin verbs on operator tokens.</summary>
public sealed class TokensService(OperatorTokens tokens) : Tokens.TokensBase
{
    public override async Task<CreateTokenResponse> CreateToken(CreateTokenRequest request, ServerCallContext context)
    {
        if (!Enrollment.AgentNames.IsValid(request.Name))
        {
            throw new InvalidRequestException($"'{request.Name}' is not a valid token name (letters, digits, '.', '_', '-')");
        }

        if (!Caller.TryParseRole(request.Role, out var role))
        {
            throw new InvalidRequestException($"role '{request.Role}' is not one of viewer, deployer, admin");
        }

        TimeSpan? ttl = request.TtlSeconds > 0 ? TimeSpan.FromSeconds(request.TtlSeconds) : null;
        var (token, record) = await tokens.CreateAsync(request.Name, role, ttl, Caller.Of(context).Name, context.CancellationToken).ConfigureAwait(false);
        return new CreateTokenResponse { Token = token, Info = Info(record) };
    }

    public override async Task<ListTokensResponse> ListTokens(ListTokensRequest request, ServerCallContext context)
    {
        var response = new ListTokensResponse();
        response.Tokens.AddRange((await tokens.ListAsync(context.CancellationToken).ConfigureAwait(false)).Select(Info));
        return response;
    }

    public override async Task<TokenInfo> RevokeToken(RevokeTokenRequest request, ServerCallContext context) =>
        Info(await tokens.RevokeAsync(request.Name, Caller.Of(context).Name, context.CancellationToken).ConfigureAwait(false));

    private static TokenInfo Info(OperatorTokenRecord r) => new()
    {
        Name = r.Name,
        Role = r.Role,
        CreatedBy = r.CreatedBy,
        CreatedAt = Timestamp.FromDateTimeOffset(r.CreatedAt),
        ExpiresAt = r.ExpiresAt is { } e ? Timestamp.FromDateTimeOffset(e) : null,
        RevokedAt = r.RevokedAt is { } v ? Timestamp.FromDateTimeOffset(v) : null,
    };
}
