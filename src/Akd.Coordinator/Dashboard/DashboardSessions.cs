using System.Collections.Concurrent;
using System.Security.Cryptography;
using Akd.Coordinator.Security;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Dashboard;

/// <summary>One sign-in: the token it was made with stays here, in memory; the browser only holds the random id.</summary>
internal sealed record DashboardSession(string Id, string Token, string Csrf, DateTimeOffset ExpiresAt);

/// <summary>
/// Server-side sessions of the dashboard. The cookie carries a random id and nothing else, so a stolen
/// cookie never reveals the token, and signing out (or a restart) ends the session at once.
/// </summary>
internal sealed class DashboardSessions(IOptions<DashboardOptions> options, TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, DashboardSession> _byId = new(StringComparer.Ordinal);

    public DashboardSession Start(string token)
    {
        var now = clock.GetUtcNow();
        foreach (var stale in _byId.Values.Where(s => s.ExpiresAt <= now))
        {
            _byId.TryRemove(stale.Id, out _);
        }

        while (_byId.Count >= Math.Max(1, options.Value.MaxSessions) && _byId.Values.MinBy(s => s.ExpiresAt) is { } oldest)
        {
            _byId.TryRemove(oldest.Id, out _);
        }

        var session = new DashboardSession(NewSecret(), token, NewSecret(), now + options.Value.SessionLifetime);
        _byId[session.Id] = session;
        return session;
    }

    /// <summary>The live session with this id, or null (unknown, ended, or expired).</summary>
    public DashboardSession? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || !_byId.TryGetValue(id, out var session))
        {
            return null;
        }

        if (session.ExpiresAt > clock.GetUtcNow())
        {
            return session;
        }

        _byId.TryRemove(id, out _);
        return null;
    }

    public void End(string? id)
    {
        if (!string.IsNullOrEmpty(id))
        {
            _byId.TryRemove(id, out _);
        }
    }

    /// <summary>256 random bits, URL-safe.</summary>
    public static string NewSecret() => Akd.Contracts.Trust.JoinTokenText.Base64Url(RandomNumberGenerator.GetBytes(32));
}
