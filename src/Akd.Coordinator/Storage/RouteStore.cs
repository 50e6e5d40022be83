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
/// reads it in one statement). On PostgreSQL each send also notifies <see cref="Channel"/> with the recipient's id,
/// so it wakes at once; a recipient also looks now and then, for a notification it missed while reconnecting.
/// </summary>
public sealed class RouteStore(Database db, TimeProvider clock)
{
    /// <summary>The LISTEN/NOTIFY channel of routed messages; the payload is the recipient replica's id.</summary>
    public const string Channel = "akd_routes";

    public Task SendAsync(RoutedMessage message, CancellationToken ct) => db.UseAsync(c =>
    {
        using var insert = c.Command(
            """
            INSERT INTO routed_messages(to_replica, from_replica, agent, step_id, kind, body, at)
            VALUES (@to, @from, @agent, @step, @kind, @body, @at)
            """,
            ("@to", message.To), ("@from", message.From), ("@agent", message.Agent), ("@step", message.StepId),
            ("@kind", message.Kind), ("@body", message.Body), ("@at", clock.GetUtcNow().ToDb()));
        insert.ExecuteNonQuery();
        if (db.Engine == "postgres")
        {
            using var notify = c.Command("SELECT pg_notify(@channel, @to)", ("@channel", Channel), ("@to", message.To));
            notify.ExecuteNonQuery();
        }
    }, ct);

    /// <summary>Takes every message for <paramref name="replica"/>: they are deleted as they are read, so each is taken once.</summary>
    public Task<List<RoutedMessage>> TakeAsync(string replica, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            "DELETE FROM routed_messages WHERE to_replica = @to RETURNING id, to_replica, from_replica, agent, step_id, kind, body",
            ("@to", replica));
        return Read(command);
    }, ct);

    /// <summary>Takes the messages left for replicas not heard of since <paramref name="liveSince"/> (dead): whoever takes them first handles them.</summary>
    public Task<List<RoutedMessage>> TakeOrphanedAsync(DateTimeOffset liveSince, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            DELETE FROM routed_messages WHERE to_replica NOT IN (SELECT id FROM replicas WHERE heartbeat >= @since)
            RETURNING id, to_replica, from_replica, agent, step_id, kind, body
            """,
            ("@since", liveSince.ToDb()));
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
