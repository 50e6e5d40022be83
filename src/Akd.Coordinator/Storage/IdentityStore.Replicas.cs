namespace Akd.Coordinator.Storage;

public sealed partial class IdentityStore
{
    /// <summary>
    /// The agent a certificate serial was issued to, when it is <paramref name="name"/> and the certificate has not
    /// expired: for a replica that did not issue it (the agent enrolled or renewed through another replica).
    /// </summary>
    public Task<AgentIdentityRecord?> FindIssuedAsync(string serial, string name, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            SELECT i.name, i.labels, i.enrolled_at, i.revoked_at FROM agent_certificates ac JOIN agent_identities i ON i.name = ac.name
            WHERE ac.serial = @serial AND ac.name = @name AND ac.not_after > @now
            """,
            ("@serial", serial), ("@name", name), ("@now", clock.GetUtcNow().ToDb()));
        using var r = command.ExecuteReader();
        return r.Read() ? new AgentIdentityRecord(r.GetString(0), Labels(r.GetString(1)), Time(r.GetString(2)), r.IsDBNull(3) ? null : Time(r.GetString(3))) : null;
    }, ct);
}
