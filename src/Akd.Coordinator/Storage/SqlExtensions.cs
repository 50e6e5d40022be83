using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Data.Sqlite;

namespace Akd.Coordinator.Storage;

internal static class SqlExtensions
{
    public static SqliteCommand Command(this SqliteConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    public static string ToDb(this DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static Timestamp? ReadTimestamp(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Timestamp.FromDateTimeOffset(DateTimeOffset.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture));
}
