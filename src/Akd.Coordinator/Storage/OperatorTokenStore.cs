using System.Globalization;

namespace Akd.Coordinator.Storage;

/// <summary>A named operator token as stored: the secret only as its hash.</summary>
public sealed record OperatorTokenRecord(
    string Id, string Name, string Role, string SecretHash, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt);

/// <summary>The tokens people and CI present (akdctl), each with a name and a role.</summary>
public sealed class OperatorTokenStore(Database db)
{
    private const string Columns = "id, name, role, secret_hash, created_by, created_at, expires_at, revoked_at";

    /// <summary>Adds the token; a revoked or expired token of the same name makes room for it. False when the name is in use.</summary>
    public Task<bool> AddAsync(OperatorTokenRecord token, DateTimeOffset now, CancellationToken ct) => db.UseAsync(c =>
    {
        using var stale = c.Command("DELETE FROM operator_tokens WHERE name = @name AND (revoked_at IS NOT NULL OR (expires_at IS NOT NULL AND expires_at <= @now))",
            ("@name", token.Name), ("@now", now.ToDb()));
        stale.ExecuteNonQuery();
        using var command = c.Command(
            $"INSERT INTO operator_tokens({Columns}, changed_at) VALUES (@id, @name, @role, @hash, @by, @at, @expires, NULL, @at) ON CONFLICT DO NOTHING",
            ("@id", token.Id), ("@name", token.Name), ("@role", token.Role), ("@hash", token.SecretHash), ("@by", token.CreatedBy),
            ("@at", token.CreatedAt.ToDb()), ("@expires", token.ExpiresAt?.ToDb()));
        return command.ExecuteNonQuery() == 1;
    }, ct);

    public Task<bool> AnyAsync(CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("SELECT 1 FROM operator_tokens LIMIT 1");
        return command.ExecuteScalar() is not null;
    }, ct);

    public Task<List<OperatorTokenRecord>> ListAsync(CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command($"SELECT {Columns} FROM operator_tokens ORDER BY name");
        return Read(command);
    }, ct);

    /// <summary>The tokens created or revoked since <paramref name="since"/> (by the changing replica's clock): what a replica's sync reads.</summary>
    public Task<List<OperatorTokenRecord>> ChangedSinceAsync(DateTimeOffset since, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command($"SELECT {Columns} FROM operator_tokens WHERE changed_at >= @since ORDER BY name", ("@since", since.ToDb()));
        return Read(command);
    }, ct);

    private static List<OperatorTokenRecord> Read(System.Data.Common.DbCommand command)
    {
        using var r = command.ExecuteReader();
        var list = new List<OperatorTokenRecord>();
        while (r.Read())
        {
            list.Add(new OperatorTokenRecord(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4),
                Time(r.GetString(5))!.Value, Time(r.IsDBNull(6) ? null : r.GetString(6)), Time(r.IsDBNull(7) ? null : r.GetString(7))));
        }

        return list;
    }

    public Task<bool> RevokeAsync(string name, DateTimeOffset at, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command("UPDATE operator_tokens SET revoked_at = @at, changed_at = @at WHERE name = @name AND revoked_at IS NULL", ("@at", at.ToDb()), ("@name", name));
        return command.ExecuteNonQuery() == 1;
    }, ct);

    private static DateTimeOffset? Time(string? text) => text is null ? null : DateTimeOffset.Parse(text, CultureInfo.InvariantCulture);
}
