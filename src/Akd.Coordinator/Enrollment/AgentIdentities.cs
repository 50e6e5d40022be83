using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Akd.Core.Manifest;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Enrollment;

/// <summary>
/// The enrolled agents and the certificates issued to them, in memory after the first load (every call
/// of every agent is checked here). A certificate counts only while its serial is on record for its
/// agent and the agent is neither revoked nor removed.
/// </summary>
public sealed partial class AgentIdentities(
    IdentityStore store, CoordinatorPki pki, AgentRegistry registry, TimeProvider clock, ILogger<AgentIdentities> logger,
    IOptions<CoordinatorOptions>? options = null)
{
    private readonly TimeSpan _lookback = (options?.Value ?? new CoordinatorOptions()).IdentitySyncLookback;
    private readonly ConcurrentDictionary<string, AgentIdentityRecord> _identities = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _serials = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, bool> _chainChecked = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _load = new(1, 1);
    private volatile bool _loaded;

    /// <summary>When the last read of the store began (this replica's clock): the next sync reads changes from there, less the lookback.</summary>
    private DateTimeOffset _readFrom;

    public async Task<Caller> AuthenticateAsync(X509Certificate2 certificate, CancellationToken ct)
    {
        await EnsureLoadedAsync(ct).ConfigureAwait(false);
        var name = certificate.GetNameInfo(X509NameType.SimpleName, false);
        if (!_serials.ContainsKey(certificate.SerialNumber) && ChainChecked(certificate))
        {
            await LearnIssuedElsewhereAsync(certificate.SerialNumber, name, ct).ConfigureAwait(false);
        }

        if (!_serials.TryGetValue(certificate.SerialNumber, out var owner) || owner != name || !ChainChecked(certificate))
        {
            throw new UnauthenticatedException("the client certificate was not issued by this coordinator to an enrolled agent");
        }

        if (!_identities.TryGetValue(name, out var identity))
        {
            throw new PermissionDeniedException($"agent {name} was removed; enroll it again with a new join token");
        }

        if (identity.RevokedAt is { } revoked)
        {
            throw new PermissionDeniedException($"agent {name} was revoked at {revoked.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
        }

        return new Caller(CallerKind.Agent, name, null);
    }

    /// <summary>The labels of an enrolled agent: the only labels the coordinator uses for it.</summary>
    public IReadOnlyDictionary<string, string> LabelsOf(string name) =>
        _identities.TryGetValue(name, out var identity) ? identity.Labels : new Dictionary<string, string>();

    public bool IsEnrolled(string name) => _identities.ContainsKey(name);

    /// <summary>The enrolled agents, not revoked, whose labels the selector matches: the fleet it names, connected or not.</summary>
    public async Task<IReadOnlyList<string>> EnrolledMatchingAsync(LabelSelector selector, CancellationToken ct)
    {
        await EnsureLoadedAsync(ct).ConfigureAwait(false);
        return [.. _identities.Values.Where(i => i.RevokedAt is null && selector.Matches(i.Labels)).Select(i => i.Name)];
    }

    internal async Task AddAsync(AgentIdentityRecord identity, string serial, CancellationToken ct)
    {
        await EnsureLoadedAsync(ct).ConfigureAwait(false);
        _identities[identity.Name] = identity;
        _serials[serial] = identity.Name;
        LogEnrolled(identity.Name, string.Join(",", identity.Labels.Select(l => $"{l.Key}={l.Value}")));
    }

    internal async Task AddCertificateAsync(string name, X509Certificate2 certificate, CancellationToken ct)
    {
        await store.AddCertificateAsync(name, certificate.SerialNumber, certificate.NotAfter.ToUniversalTime(), ct).ConfigureAwait(false);
        _serials[certificate.SerialNumber] = name;
    }

    public async Task<AgentIdentityRecord> LabelAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken ct)
    {
        var identity = await RequireAsync(name, ct).ConfigureAwait(false);
        await store.SetLabelsAsync(name, labels, ct).ConfigureAwait(false);
        var updated = identity with { Labels = labels };
        _identities[name] = updated;
        registry.Relabel(name, labels);
        return updated;
    }

    /// <summary>Every certificate of the agent stops counting now, and its live stream is closed.</summary>
    public async Task<AgentIdentityRecord> RevokeAsync(string name, string by, CancellationToken ct)
    {
        var identity = await RequireAsync(name, ct).ConfigureAwait(false);
        var revoked = identity with { RevokedAt = identity.RevokedAt ?? clock.GetUtcNow() };
        await store.RevokeAsync(name, revoked.RevokedAt!.Value, ct).ConfigureAwait(false);
        _identities[name] = revoked;
        registry.Close(name);
        LogRevoked(name, by);
        return revoked;
    }

    /// <summary>Takes the agent out of the fleet; refused while it is online and not revoked.</summary>
    public async Task RemoveAsync(string name, string by, CancellationToken ct)
    {
        await EnsureLoadedAsync(ct).ConfigureAwait(false);
        _identities.TryGetValue(name, out var identity);
        if (registry.IsOnline(name) && identity?.RevokedAt is null)
        {
            throw new PreconditionFailedException($"agent {name} is online; revoke it first (akdctl agents revoke {name})");
        }

        registry.Close(name);
        await store.RemoveAsync(name, ct).ConfigureAwait(false);
        Forget(name);
        LogRemoved(name, by);
    }

    /// <summary>
    /// Replicas share one store but each keeps its own cache: a revoke, relabel or remove done through another replica
    /// reaches this one here, and the agent's stream on this replica is closed (revoke, remove) as the other replica
    /// closed it there. A change is applied only when two reads of the store agree on it, so a revoke or relabel this
    /// replica is writing itself (store first, then cache) is never undone by a read taken just before its write.
    /// Each read covers only the agents changed since the previous sync began, less
    /// <see cref="CoordinatorOptions.IdentitySyncLookback"/> (null: removed), not every enrolled agent.
    /// </summary>
    /// <returns>How many agents changed.</returns>
    public async Task<int> SyncAsync(CancellationToken ct)
    {
        await EnsureLoadedAsync(ct).ConfigureAwait(false);
        var started = clock.GetUtcNow();
        var since = _readFrom - _lookback;
        var first = await store.ChangedSinceAsync(since, ct).ConfigureAwait(false);
        if (!first.Any(stored => _identities.TryGetValue(stored.Key, out var cached) && Differs(cached, stored.Value)))
        {
            AddEnrolledElsewhere(first);
            _readFrom = started;
            return 0;
        }

        var second = await store.ChangedSinceAsync(since, ct).ConfigureAwait(false);
        var changed = 0;
        foreach (var (name, stored) in second)
        {
            // Not in the first read's changes, or changed between the reads: the next sync looks again (the lookback keeps it in range).
            if (!_identities.TryGetValue(name, out var cached) || !Differs(cached, stored) ||
                !first.TryGetValue(name, out var earlier) || Differs(stored, earlier))
            {
                continue;
            }

            changed++;
            if (stored is null)
            {
                Forget(name);
                registry.Close(name);
                LogChangedElsewhere(name, "removed");
            }
            else if (stored.RevokedAt is not null && cached.RevokedAt is null)
            {
                _identities[name] = stored;
                registry.Close(name);
                LogChangedElsewhere(name, "revoked");
            }
            else
            {
                _identities[name] = stored;
                registry.Relabel(name, stored.Labels);
                LogChangedElsewhere(name, "relabelled");
            }
        }

        AddEnrolledElsewhere(second);
        _readFrom = started;
        return changed;
    }

    public async Task EnsureLoadedAsync(CancellationToken ct)
    {
        if (_loaded)
        {
            return;
        }

        await _load.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_loaded)
            {
                _readFrom = clock.GetUtcNow();
                foreach (var identity in await store.ListIdentitiesAsync(ct).ConfigureAwait(false))
                {
                    _identities[identity.Name] = identity;
                }

                foreach (var (serial, name) in await store.ListCertificatesAsync(ct).ConfigureAwait(false))
                {
                    _serials[serial] = name;
                }

                _loaded = true;
            }
        }
        finally
        {
            _load.Release();
        }
    }

    /// <summary>
    /// Replicas share one CA and one store: a certificate our CA issued whose serial this replica has not seen was
    /// issued by another replica (an enrollment or renewal there). Looked up in the store, only for certificates
    /// that chain to the CA, so a stranger's certificate costs no query.
    /// </summary>
    private async Task LearnIssuedElsewhereAsync(string serial, string name, CancellationToken ct)
    {
        if (await store.FindIssuedAsync(serial, name, ct).ConfigureAwait(false) is { } identity)
        {
            _identities[identity.Name] = identity;
            _serials[serial] = identity.Name;
        }
    }

    /// <summary>Whether the store's record (null: removed) says something else than <paramref name="a"/> about revocation or labels.</summary>
    private static bool Differs(AgentIdentityRecord? a, AgentIdentityRecord? b) =>
        a is null || b is null
            ? a is not null || b is not null
            : (a.RevokedAt is null) != (b.RevokedAt is null) ||
              a.Labels.Count != b.Labels.Count || a.Labels.Any(l => !b.Labels.TryGetValue(l.Key, out var v) || v != l.Value);

    /// <summary>Agents enrolled through another replica: known here before their first call (their certificates are learned on it).</summary>
    private void AddEnrolledElsewhere(Dictionary<string, AgentIdentityRecord?> stored)
    {
        foreach (var (name, identity) in stored)
        {
            if (identity is not null)
            {
                _identities.TryAdd(name, identity);
            }
        }
    }

    private void Forget(string name)
    {
        _identities.TryRemove(name, out _);
        foreach (var (serial, owner) in _serials)
        {
            if (owner == name)
            {
                _serials.TryRemove(serial, out _);
            }
        }
    }

    private async Task<AgentIdentityRecord> RequireAsync(string name, CancellationToken ct)
    {
        await EnsureLoadedAsync(ct).ConfigureAwait(false);
        return _identities.TryGetValue(name, out var identity)
            ? identity
            : throw new NotFoundException($"no enrolled agent named {name}");
    }

    /// <summary>
    /// The TLS handshake built <paramref name="certificate"/>'s chain to our CA for client authentication (the server's chain
    /// policy trusts only it) and found it valid: no second build when its first call is authenticated.
    /// </summary>
    internal void ChainVerifiedInHandshake(X509Certificate2 certificate) => _chainChecked.TryAdd(certificate.Thumbprint, true);

    /// <summary>The chain is built once per certificate (or taken from the handshake); expiry is checked every time.</summary>
    private bool ChainChecked(X509Certificate2 certificate)
    {
        if (certificate.NotAfter.ToUniversalTime() <= clock.GetUtcNow().UtcDateTime)
        {
            return false;
        }

        return _chainChecked.GetOrAdd(certificate.Thumbprint, _ => pki.Authority.IssuedClientCertificate(certificate));
    }

    [LoggerMessage(EventId = 920, Level = LogLevel.Information, Message = "Agent {Name} enrolled with labels {Labels}")]
    private partial void LogEnrolled(string name, string labels);

    [LoggerMessage(EventId = 921, Level = LogLevel.Warning, Message = "Agent {Name} revoked by {By}")]
    private partial void LogRevoked(string name, string by);

    [LoggerMessage(EventId = 922, Level = LogLevel.Information, Message = "Agent {Name} removed by {By}")]
    private partial void LogRemoved(string name, string by);

    [LoggerMessage(EventId = 923, Level = LogLevel.Warning, Message = "Agent {Name} was {What} through another replica; this replica follows")]
    private partial void LogChangedElsewhere(string name, string what);
}
