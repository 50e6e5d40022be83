using System.Data.Common;
using System.Globalization;
using System.Text.Json;

namespace Akd.Coordinator.Storage;

/// <summary>An enrolled agent: its name and labels come from here, never from what the agent says.</summary>
public sealed record AgentIdentityRecord(string Name, IReadOnlyDictionary<string, string> Labels, DateTimeOffset EnrolledAt, DateTimeOffset? RevokedAt);

/// <summary>A join token as stored: the secret only as its hash.</summary>
public sealed record JoinTokenRecord(
    string Id, string SecretHash, IReadOnlyDictionary<string, string> Labels, string Name, string NamePrefix, DateTimeOffset ExpiresAt, int UsesLeft);

/// <summary>Join tokens, enrolled agents and the serials of the certificates issued to them.</summary>
public sealed partial class IdentityStore(Database db, TimeProvider clock)
{
    public Task AddJoinTokenAsync(JoinTokenRecord token, string createdBy, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            INSERT INTO join_tokens(id, secret_hash, labels, name, name_prefix, expires_at, uses_left, created_by, created_at)
            VALUES (@id, @hash, @labels, @name, @prefix, @expires, @uses, @by, @now)
            """,
            ("@id", token.Id), ("@hash", token.SecretHash), ("@labels", JsonSerializer.Serialize(token.Labels)), ("@name", token.Name),
            ("@prefix", token.NamePrefix), ("@expires", token.ExpiresAt.ToDb()), ("@uses", token.UsesLeft), ("@by", createdBy),
            ("@now", clock.GetUtcNow().ToDb()));
        command.ExecuteNonQuery();
    }, ct);

    public Task<JoinTokenRecord?> FindJoinTokenAsync(string id, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT id, secret_hash, labels, name, name_prefix, expires_at, uses_left FROM join_tokens WHERE id = @id", ("@id", id));
        using var r = command.ExecuteReader();
        return r.Read()
            ? new JoinTokenRecord(r.GetString(0), r.GetString(1), Labels(r.GetString(2)), r.GetString(3), r.GetString(4), Time(r.GetString(5)), r.GetInt32(6))
            : null;
    }, ct);

    /// <summary>
    /// Spends one use of the token and records the agent and its first certificate, in one transaction;
    /// false when the token was used up meanwhile or the name is taken.
    /// </summary>
    public Task<bool> EnrollAsync(string tokenId, AgentIdentityRecord identity, string serial, DateTimeOffset notAfter, CancellationToken ct) => db.UseAsync(c =>
    {
        using var tx = c.BeginTransaction();
        using var spend = c.Command("UPDATE join_tokens SET uses_left = uses_left - 1 WHERE id = @id AND uses_left > 0", ("@id", tokenId));
        spend.Transaction = tx;
        // One statement claims the name, so two replicas enrolling the same name at once cannot both win.
        using var add = c.Command(
            """
            INSERT INTO agent_identities(name, labels, enrolled_at, revoked_at, join_token, changed_at) VALUES (@name, @labels, @at, NULL, @token, @now)
            ON CONFLICT DO NOTHING
            """,
            ("@name", identity.Name), ("@labels", JsonSerializer.Serialize(identity.Labels)), ("@at", identity.EnrolledAt.ToDb()), ("@token", tokenId),
            ("@now", clock.GetUtcNow().ToDb()));
        add.Transaction = tx;
        if (spend.ExecuteNonQuery() != 1 || add.ExecuteNonQuery() != 1)
        {
            tx.Rollback();
            return false;
        }

        using var cert = CertificateInsert(c, serial, identity.Name, notAfter);
        cert.Transaction = tx;
        cert.ExecuteNonQuery();
        tx.Commit();
        return true;
    }, ct);

    public Task AddCertificateAsync(string name, string serial, DateTimeOffset notAfter, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = CertificateInsert(c, serial, name, notAfter);
        command.ExecuteNonQuery();
    }, ct);

    public Task<List<AgentIdentityRecord>> ListIdentitiesAsync(CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT name, labels, enrolled_at, revoked_at FROM agent_identities");
        using var r = command.ExecuteReader();
        var list = new List<AgentIdentityRecord>();
        while (r.Read())
        {
            list.Add(new AgentIdentityRecord(r.GetString(0), Labels(r.GetString(1)), Time(r.GetString(2)), r.IsDBNull(3) ? null : Time(r.GetString(3))));
        }

        return list;
    }, ct);

    /// <summary>Serial → agent name of every certificate not yet expired.</summary>
    public Task<Dictionary<string, string>> ListCertificatesAsync(CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT serial, name FROM agent_certificates WHERE not_after > @now", ("@now", clock.GetUtcNow().ToDb()));
        using var r = command.ExecuteReader();
        var map = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (r.Read())
        {
            map[r.GetString(0)] = r.GetString(1);
        }

        return map;
    }, ct);

    public Task SetLabelsAsync(string name, IReadOnlyDictionary<string, string> labels, CancellationToken ct) => db.UseAsync(c =>
    {
        var json = JsonSerializer.Serialize(labels);
        using var identity = c.Command("UPDATE agent_identities SET labels = @labels, changed_at = @now WHERE name = @name",
            ("@labels", json), ("@now", clock.GetUtcNow().ToDb()), ("@name", name));
        identity.ExecuteNonQuery();
        using var agent = c.Command("UPDATE agents SET labels = @labels WHERE name = @name", ("@labels", json), ("@name", name));
        agent.ExecuteNonQuery();
    }, ct);

    public Task RevokeAsync(string name, DateTimeOffset at, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("UPDATE agent_identities SET revoked_at = @at, changed_at = @now WHERE name = @name AND revoked_at IS NULL",
            ("@at", at.ToDb()), ("@now", clock.GetUtcNow().ToDb()), ("@name", name));
        command.ExecuteNonQuery();
    }, ct);

    /// <summary>Forgets the agent: its identity, its certificates and its row in the fleet; a removal record tells other replicas.</summary>
    public Task RemoveAsync(string name, CancellationToken ct) => db.UseAsync(c =>
    {
        foreach (var table in new[] { "agent_identities", "agent_certificates", "agents" })
        {
            using var command = c.Command($"DELETE FROM {table} WHERE name = @name", ("@name", name));
            command.ExecuteNonQuery();
        }

        RecordRemoval(c, name);
    }, ct);

    private DbCommand CertificateInsert(DbConnection c, string serial, string name, DateTimeOffset notAfter) =>
        c.Command("INSERT INTO agent_certificates(serial, name, issued_at, not_after) VALUES (@serial, @name, @now, @end)",
            ("@serial", serial), ("@name", name), ("@now", clock.GetUtcNow().ToDb()), ("@end", notAfter.ToDb()));

    private static Dictionary<string, string> Labels(string json) => JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? [];

    private static DateTimeOffset Time(string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
}
