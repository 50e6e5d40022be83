using System.Data;
using System.Data.Common;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;

namespace Akd.Coordinator.Storage;

/// <summary>
/// The few helpers every store uses. The stores' SQL is written once, in the subset SQLite and
/// PostgreSQL share: <c>@name</c> parameters, <c>ON CONFLICT</c>, <c>RETURNING</c>, window functions,
/// subqueries with aliases, and times as ISO-8601 UTC text (fixed width, so text order is time order).
/// </summary>
internal static class SqlExtensions
{
    public static DbCommand Command(this DbConnection connection, string sql, params (string Name, object? Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value ?? DBNull.Value;
            if (value is null)
            {
                // PostgreSQL must know a parameter's type even when it is null: every nullable value here is text.
                parameter.DbType = DbType.String;
            }

            command.Parameters.Add(parameter);
        }

        return command;
    }

    /// <summary>Runs the command and returns the first column of every row, as text.</summary>
    public static List<string> ReadStrings(this DbCommand command)
    {
        using var reader = command.ExecuteReader();
        var values = new List<string>();
        while (reader.Read())
        {
            values.Add(reader.GetString(0));
        }

        return values;
    }

    public static string ToDb(this DateTimeOffset value) => value.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    public static Timestamp? ReadTimestamp(this DbDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : Timestamp.FromDateTimeOffset(DateTimeOffset.Parse(reader.GetString(ordinal), CultureInfo.InvariantCulture));
}
