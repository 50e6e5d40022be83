using System.Security.Cryptography;
using System.Text;
using Akd.Contracts.Trust;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Security;

/// <summary>
/// Named operator tokens (<c>akdt1.&lt;id&gt;.&lt;secret&gt;</c>): the id finds the record, the secret is
/// compared by hash in constant time. Kept in memory after the first load; every change made on this coordinator
/// goes through here, and <see cref="SyncAsync"/> brings in those made through other replicas of a shared store.
/// </summary>
public sealed partial class OperatorTokens(
    OperatorTokenStore store, IOptions<CoordinatorOptions> options, TimeProvider clock, ILogger<OperatorTokens> logger)
{
    private const string Prefix = "akdt1";
    private readonly SemaphoreSlim _load = new(1, 1);
    private volatile Dictionary<string, OperatorTokenRecord>? _byId;

    /// <summary>When the last read of the store began (this replica's clock): the next sync reads changes from there, less the lookback.</summary>
    private DateTimeOffset _readFrom;

    /// <summary>The file the first start writes the bootstrap admin token to.</summary>
    public string AdminTokenFile => Path.Combine(options.Value.DataDir, "admin.token");

    public async Task<Caller> AuthenticateAsync(string presented, CancellationToken ct)
    {
        await EnsureLoadedAsync(ct).ConfigureAwait(false);
        var parts = presented.Split('.');
        if (parts.Length != 3 || parts[0] != Prefix || !_byId!.TryGetValue(parts[1], out var token) ||
            !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(JoinTokenText.Hash(parts[2])), Encoding.ASCII.GetBytes(token.SecretHash)))
        {
            throw new UnauthenticatedException("the token was not accepted");
        }

        if (token.RevokedAt is { } revoked)
        {
            throw new UnauthenticatedException($"token '{token.Name}' was revoked at {revoked.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
        }

        if (token.ExpiresAt is { } expires && expires <= clock.GetUtcNow())
        {
            throw new UnauthenticatedException($"token '{token.Name}' expired at {expires.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC");
        }

        Caller.TryParseRole(token.Role, out var role);
        return new Caller(CallerKind.Operator, token.Name, role);
    }

    /// <summary>Creates a token and returns it: the only time its secret exists outside the caller's hands.</summary>
    public async Task<(string Token, OperatorTokenRecord Record)> CreateAsync(string name, Role role, TimeSpan? ttl, string createdBy, CancellationToken ct)
    {
        await EnsureLoadedAsync(ct).ConfigureAwait(false);
        var now = clock.GetUtcNow();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = JoinTokenText.Base64Url(RandomNumberGenerator.GetBytes(32));
        var record = new OperatorTokenRecord(id, name, role.ToString().ToLowerInvariant(), JoinTokenText.Hash(secret), createdBy, now,
            ttl is { } t ? now.Add(t) : null, null);
        if (!await store.AddAsync(record, now, ct).ConfigureAwait(false))
        {
            throw new AlreadyExistsException($"a token named '{name}' exists; revoke it first (akdctl tokens revoke {name})");
        }

        await ReloadAsync(ct).ConfigureAwait(false);
        LogCreated(name, record.Role, createdBy);
        return ($"{Prefix}.{id}.{secret}", record);
    }

    public async Task<OperatorTokenRecord> RevokeAsync(string name, string by, CancellationToken ct)
    {
        if (!await store.RevokeAsync(name, clock.GetUtcNow(), ct).ConfigureAwait(false))
        {
            throw new NotFoundException($"no live token named '{name}'");
        }

        await ReloadAsync(ct).ConfigureAwait(false);
        LogRevoked(name, by);
        return _byId!.Values.First(t => t.Name == name);
    }

    public async Task<IReadOnlyList<OperatorTokenRecord>> ListAsync(CancellationToken ct)
    {
        await EnsureLoadedAsync(ct).ConfigureAwait(false);
        return _byId!.Values.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// On the first start (no token at all), an admin token named "admin" goes to <c>&lt;data-dir&gt;/admin.token</c>,
    /// readable by the coordinator's user only, recorded as created by "bootstrap on replica ID". A replica that joins
    /// a shared store with tokens in it writes none (the first replica's data dir has it), nor does one that loses
    /// the race to create it to a replica starting at the same time: it logs where the token is instead.
    /// </summary>
    /// <param name="replica">This replica's id, recorded with the token so <c>akdctl tokens list</c> says whose data dir holds it.</param>
    public async Task BootstrapAsync(string replica, CancellationToken ct)
    {
        if (!await store.AnyAsync(ct).ConfigureAwait(false))
        {
            try
            {
                var by = string.IsNullOrEmpty(replica) ? "bootstrap" : $"bootstrap on replica {replica}";
                var (token, _) = await CreateAsync("admin", Role.Admin, null, by, ct).ConfigureAwait(false);
                SecretFile.Write(AdminTokenFile, token + "\n");
                LogBootstrap(AdminTokenFile);
                return;
            }
            catch (AlreadyExistsException)
            {
                // Another replica created it between our look and our insert: it wrote the file in its data dir, and
                // this replica's cache, loaded before that insert, learns it now.
                await ReloadAsync(ct).ConfigureAwait(false);
            }
        }

        if (!File.Exists(AdminTokenFile))
        {
            var admin = (await ListAsync(ct).ConfigureAwait(false)).FirstOrDefault(t => t.Name == "admin");
            LogJoined(admin?.CreatedBy ?? "(no token named admin)");
        }
    }

    /// <summary>
    /// Reads the tokens created or revoked since the last read (less <see cref="CoordinatorOptions.IdentitySyncLookback"/>):
    /// those made through another replica count here from now on. A token made under the name of a revoked or expired one
    /// replaces it here as it did in the store. Reads and their application are serialized with this replica's own
    /// reloads, so a later read always lands last.
    /// </summary>
    public async Task SyncAsync(CancellationToken ct)
    {
        await EnsureLoadedAsync(ct).ConfigureAwait(false);
        await _load.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var started = clock.GetUtcNow();
            var changed = await store.ChangedSinceAsync(_readFrom - options.Value.IdentitySyncLookback, ct).ConfigureAwait(false);
            if (changed.Count > 0)
            {
                var next = new Dictionary<string, OperatorTokenRecord>(_byId!, StringComparer.Ordinal);
                foreach (var token in changed)
                {
                    foreach (var replaced in next.Values.Where(t => t.Name == token.Name && t.Id != token.Id).ToList())
                    {
                        next.Remove(replaced.Id);
                    }

                    next[token.Id] = token;
                }

                _byId = next;
            }

            _readFrom = started;
        }
        finally
        {
            _load.Release();
        }
    }

    private async Task EnsureLoadedAsync(CancellationToken ct)
    {
        if (_byId is null)
        {
            await ReloadAsync(ct).ConfigureAwait(false);
        }
    }

    private async Task ReloadAsync(CancellationToken ct)
    {
        await _load.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var started = clock.GetUtcNow();
            var all = await store.ListAsync(ct).ConfigureAwait(false);
            _byId = all.ToDictionary(t => t.Id, StringComparer.Ordinal);
            _readFrom = started;
        }
        finally
        {
            _load.Release();
        }
    }

    [LoggerMessage(EventId = 910, Level = LogLevel.Information, Message = "Token '{Name}' ({Role}) created by {By}")]
    private partial void LogCreated(string name, string role, string by);

    [LoggerMessage(EventId = 911, Level = LogLevel.Information, Message = "Token '{Name}' revoked by {By}")]
    private partial void LogRevoked(string name, string by);

    [LoggerMessage(EventId = 913, Level = LogLevel.Information,
        Message = "The store has operator tokens already: no admin token written here. The bootstrap admin token is in the admin.token of the data dir of the replica that created it ({CreatedBy}); any admin can make more (akdctl tokens create)")]
    private partial void LogJoined(string createdBy);

    [LoggerMessage(EventId = 912, Level = LogLevel.Warning, Message = "First start: the admin token is in {Path} (readable by this user only); create named tokens with it and keep it safe")]
    private partial void LogBootstrap(string path);
}
