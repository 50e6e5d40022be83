using System.Globalization;
using Akd.Contracts.V1;
using Google.Protobuf.WellKnownTypes;

namespace Akd.Coordinator.Storage;

/// <summary>Every event of every deployment, in order; <c>akdctl logs</c> replays from here.</summary>
public sealed class EventStore(Database db)
{
    /// <summary>
    /// True when other coordinators (replicas) may append to this store too (PostgreSQL): a watcher cannot rely on
    /// this process's own events alone and also reads the store for new ones.
    /// </summary>
    public bool IsShared => db.Engine == "postgres";

    /// <summary>Stores the event and sets its <see cref="DeploymentEvent.Seq"/>.</summary>
    public Task AppendAsync(DeploymentEvent e, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            INSERT INTO events(deployment_id, at, kind, host, step, state, message, stream, release_id, version)
            VALUES (@id, @at, @kind, @host, @step, @state, @message, @stream, @release, @version)
            RETURNING seq
            """,
            ("@id", e.DeploymentId), ("@at", e.At.ToDateTimeOffset().ToDb()), ("@kind", (int)e.Kind), ("@host", e.Host),
            ("@step", e.Step.Text()), ("@state", e.StatusText()), ("@message", e.Message), ("@stream", e.Stream),
            ("@release", e.ReleaseId), ("@version", e.Version));
        e.Seq = (long)command.ExecuteScalar()!;
    }, ct);

    public Task<List<DeploymentEvent>> ReadAsync(string deploymentId, long afterSeq, CancellationToken ct) => db.UseAsync(c =>
    {
        using var command = c.Command(
            """
            SELECT seq, at, kind, host, step, state, message, stream, release_id, version
            FROM events WHERE deployment_id = @id AND seq > @after ORDER BY seq
            """,
            ("@id", deploymentId), ("@after", afterSeq));
        using var reader = command.ExecuteReader();
        var events = new List<DeploymentEvent>();
        while (reader.Read())
        {
            var e = new DeploymentEvent
            {
                Seq = reader.GetInt64(0),
                DeploymentId = deploymentId,
                At = Timestamp.FromDateTimeOffset(DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture)),
                Kind = (EventKind)reader.GetInt32(2),
                Host = reader.GetString(3),
                Message = reader.GetString(6),
                Stream = reader.GetString(7),
                ReleaseId = reader.GetString(8),
                Version = reader.GetString(9),
            };
            if (Vocabulary.Parse<StepKind>(reader.GetString(4)) is var step and not StepKind.Unspecified)
            {
                e.Step = step;
            }

            e.SetStatus(reader.GetString(5));
            events.Add(e);
        }

        return events;
    }, ct);
}
