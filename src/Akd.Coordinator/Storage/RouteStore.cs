using System.Globalization;

namespace Akd.Coordinator.Storage;

/// <summary>The kinds of <see cref="RoutedMessage"/> that are not about one agent's step.</summary>
public static class RoutedKinds
{
    /// <summary>Cancel a deployment the recipient drives; the body is the actor's name (UTF-8, base64), the step id the deployment's id.</summary>
    public const string CancelDeployment = "cancel-deployment";
}

/// <summary>What one replica asks of an agent on another, or tells the replica that asked, in order of <see cref="Id"/>.</summary>
/// <param name="Kind">run, cancel or ack (to the agent's replica); event or result (back to the asking one); or one of <see cref="RoutedKinds"/>.</param>
/// <param name="Body">The protobuf message, base64: a <c>CoordinatorMessage</c> to the agent, an <c>AgentMessage</c> from it.</param>
public sealed record RoutedMessage(long Id, string To, string From, string Agent, string StepId, string Kind, string Body);

/// <summary>
/// The durable mailbox between replicas: a message is a row until the replica it is for takes it (deletes it and
/// reads it in one statement). Messages are written in batches (<see cref="SendManyAsync"/>: one multi-row insert,
/// ids in the batch's order) and, on PostgreSQL, each batch notifies <see cref="Channel"/> once per recipient replica,
/// so it wakes at once; a recipient also looks now and then, for a notification it missed while reconnecting.
/// </summary>
public sealed class RouteStore(Database db, TimeProvider clock)
{
    /// <summary>The LISTEN/NOTIFY channel of routed messages; the payload is the recipient replica's id.</summary>
    public const string Channel = "akd_routes";

    private const string Returned = "RETURNING id, to_replica, from_replica, agent, step_id, kind, body";

    public Task SendAsync(RoutedMessage message, CancellationToken ct) => SendManyAsync([message], ct);

    /// <summary>
    /// True when <see cref="SendManyAsync"/> failed because the store refused what was written (a value it cannot keep,
    /// a constraint): the store answered, so the batch's other messages are written without the refused one
    /// (<see cref="GroupCommit{T}"/>). False when it could not be reached, was shutting down or out of resources: each row would fail as well.
    /// </summary>
    public static bool RejectsRows(Exception ex) => ex switch
    {
        Npgsql.PostgresException p => p.SqlState.Length >= 2 && p.SqlState[..2] is not ("08" or "53" or "57" or "58" or "XX"),
        Microsoft.Data.Sqlite.SqliteException s => s.SqliteErrorCode is not (5 or 6), // SQLITE_BUSY, SQLITE_LOCKED: the store is busy, not the rows wrong
        _ => false,
    };

    /// <summary>
    /// Writes <paramref name="messages"/> in one statement (all or none), their ids in list order, and wakes each
    /// recipient once: a round of steps for another replica is one insert and one notification, not one per agent.
    /// </summary>
    public Task SendManyAsync(IReadOnlyList<RoutedMessage> messages, CancellationToken ct) => db.UseAsync(c =>
    {
        if (messages.Count == 0)
        {
            return;
        }

        var at = clock.GetUtcNow().ToDb();
        if (db.Engine == "postgres")
        {
            // One command, two statements: Npgsql sends them with one Sync, so they run in one implicit transaction and
            // the notifications go out when the rows are committed. WITH ORDINALITY + ORDER BY: ids in the list's order.
            using var batch = c.Command(
                $"""
                INSERT INTO routed_messages(to_replica, from_replica, agent, step_id, kind, body, at)
                SELECT m.t, m.f, m.a, m.s, m.k, m.b, @at
                FROM unnest(@to, @from, @agent, @step, @kind, @body) WITH ORDINALITY AS m(t, f, a, s, k, b, n) ORDER BY m.n;
                SELECT pg_notify(@channel, r) FROM unnest(@recipients) AS r;
                """,
                ("@to", messages.Select(m => m.To).ToArray()), ("@from", messages.Select(m => m.From).ToArray()),
                ("@agent", messages.Select(m => m.Agent).ToArray()), ("@step", messages.Select(m => m.StepId).ToArray()),
                ("@kind", messages.Select(m => m.Kind).ToArray()), ("@body", messages.Select(m => m.Body).ToArray()), ("@at", at),
                ("@channel", Channel), ("@recipients", messages.Select(m => m.To).Distinct(StringComparer.Ordinal).ToArray()));
            batch.ExecuteNonQuery();
            return;
        }

        // SQLite (one process; nothing listens): the rows in one transaction.
        using var transaction = c.BeginTransaction();
        foreach (var message in messages)
        {
            using var insert = c.Command(
                """
                INSERT INTO routed_messages(to_replica, from_replica, agent, step_id, kind, body, at)
                VALUES (@to, @from, @agent, @step, @kind, @body, @at)
                """,
                ("@to", message.To), ("@from", message.From), ("@agent", message.Agent), ("@step", message.StepId),
                ("@kind", message.Kind), ("@body", message.Body), ("@at", at));
            insert.Transaction = transaction;
            insert.ExecuteNonQuery();
        }

        transaction.Commit();
    }, ct);

    /// <summary>
    /// Takes the oldest <paramref name="max"/> messages for <paramref name="replica"/>, in order: they are deleted as they
    /// are read, so each is taken once. Fewer than <paramref name="max"/>: the mailbox is empty now.
    /// </summary>
    public Task<List<RoutedMessage>> TakeAsync(string replica, int max, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            $"""
            DELETE FROM routed_messages WHERE id IN (SELECT id FROM routed_messages WHERE to_replica = @to ORDER BY id LIMIT @max)
            {Returned}
            """,
            ("@to", replica), ("@max", max));
        return Read(command);
    }, ct);

    /// <summary>
    /// Takes the oldest <paramref name="max"/> messages left for replicas not heard of since <paramref name="liveSince"/>
    /// (dead): whoever takes them first handles them.
    /// </summary>
    public Task<List<RoutedMessage>> TakeOrphanedAsync(DateTimeOffset liveSince, int max, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            $"""
            DELETE FROM routed_messages WHERE id IN (
                SELECT id FROM routed_messages WHERE to_replica NOT IN (SELECT id FROM replicas WHERE heartbeat >= @since) ORDER BY id LIMIT @max)
            {Returned}
            """,
            ("@since", liveSince.ToDb()), ("@max", max));
        return Read(command);
    }, ct);

    private static List<RoutedMessage> Read(System.Data.Common.DbCommand command)
    {
        using var reader = command.ExecuteReader();
        var messages = new List<RoutedMessage>();
        while (reader.Read())
        {
            messages.Add(new RoutedMessage(
                Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture), reader.GetString(1), reader.GetString(2),
                reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetString(6)));
        }

        messages.Sort((a, b) => a.Id.CompareTo(b.Id));
        return messages;
    }
}
