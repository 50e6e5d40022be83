using Akd.Contracts.Trust;
using Akd.Contracts.V1;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Enrollment;

/// <summary>Admin verbs on the fleet's membership: join tokens, labels, revoke, remove.</summary>
public sealed class AgentAccessService(
    IdentityStore store, AgentIdentities identities, CoordinatorPki pki, IOptions<TrustOptions> options, TimeProvider clock)
    : AgentAccess.AgentAccessBase
{
    public override async Task<CreateJoinTokenResponse> CreateJoinToken(CreateJoinTokenRequest request, ServerCallContext context)
    {
        if (request.Name.Length > 0 && request.NamePrefix.Length > 0)
        {
            throw new InvalidRequestException("give --name or --name-prefix, not both");
        }

        if (request.Name.Length > 0 && !AgentNames.IsValid(request.Name))
        {
            throw new InvalidRequestException($"'{request.Name}' is not a valid agent name");
        }

        if (request.TtlSeconds < 0 || request.Uses < 0)
        {
            throw new InvalidRequestException("--ttl and --uses must be positive");
        }

        var text = JoinTokenText.New(pki.Authority.Fingerprint);
        var ttl = request.TtlSeconds > 0 ? TimeSpan.FromSeconds(request.TtlSeconds) : options.Value.JoinTokenDefaultTtl;
        var expires = clock.GetUtcNow().Add(ttl);
        var record = new JoinTokenRecord(text.Id, JoinTokenText.Hash(text.Secret), new Dictionary<string, string>(request.Labels),
            request.Name, request.NamePrefix, expires, request.Uses > 0 ? request.Uses : 1);
        await store.AddJoinTokenAsync(record, Caller.Of(context).Name, context.CancellationToken).ConfigureAwait(false);
        return new CreateJoinTokenResponse { Token = text.ToString(), ExpiresAt = Timestamp.FromDateTimeOffset(expires) };
    }

    public override async Task<AgentAccessReply> LabelAgent(LabelAgentRequest request, ServerCallContext context) =>
        Reply(await identities.LabelAsync(request.Name, new Dictionary<string, string>(request.Labels), context.CancellationToken).ConfigureAwait(false));

    public override async Task<AgentAccessReply> RevokeAgent(AgentNameRequest request, ServerCallContext context) =>
        Reply(await identities.RevokeAsync(request.Name, Caller.Of(context).Name, context.CancellationToken).ConfigureAwait(false));

    public override async Task<AgentAccessReply> RemoveAgent(AgentNameRequest request, ServerCallContext context)
    {
        await identities.RemoveAsync(request.Name, Caller.Of(context).Name, context.CancellationToken).ConfigureAwait(false);
        return new AgentAccessReply { Name = request.Name, State = "removed" };
    }

    private static AgentAccessReply Reply(AgentIdentityRecord identity)
    {
        var reply = new AgentAccessReply
        {
            Name = identity.Name,
            State = identity.RevokedAt is null ? "enrolled" : "revoked",
            RevokedAt = identity.RevokedAt is { } at ? Timestamp.FromDateTimeOffset(at) : null,
        };
        reply.Labels.Add(identity.Labels.ToDictionary());
        return reply;
    }
}
