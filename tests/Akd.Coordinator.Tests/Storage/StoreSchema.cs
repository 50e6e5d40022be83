using System.Data.Common;
using System.Text.RegularExpressions;
using Akd.Coordinator.Storage;
using Microsoft.Data.Sqlite;

namespace Akd.Coordinator.Tests.Storage;

/// <summary>
/// What a store's database holds, in words both engines can be compared in: one line per column
/// (<c>table.column type [not null] [default]</c>) and per index (<c>index name on table</c>), sorted.
/// SQLite's INTEGER is 64-bit, so PostgreSQL's bigint reads as integer; a primary key column counts as not null.
/// </summary>
internal static partial class StoreSchema
{
    private const string SqliteColumns = """
        SELECT m.name, p.name, lower(p.type), p."notnull" OR p.pk > 0, p.dflt_value
        FROM sqlite_master m JOIN pragma_table_info(m.name) p
        WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
        """;

    private const string SqliteIndexes = "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL";

    private const string PostgresColumns = """
        SELECT table_name, column_name, CASE data_type WHEN 'bigint' THEN 'integer' ELSE data_type END, is_nullable = 'NO', column_default
        FROM information_schema.columns WHERE table_schema = current_schema()
        """;

    // Indexes made by a PRIMARY KEY or UNIQUE constraint are named by each engine its own way: they are the columns' business.
    private const string PostgresIndexes = """
        SELECT i.relname, t.relname FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
        WHERE n.nspname = current_schema() AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
        """;

    /// <summary>The schema of <paramref name="database"/>, without the tables in <paramref name="except"/>.</summary>
    public static Task<List<string>> ReadAsync(Database database, IEnumerable<string> except) =>
        database.UseAsync(connection => Read(connection, database.Engine, except.ToHashSet()), CancellationToken.None);

    /// <summary>An <c>akd.db</c> in <paramref name="dataDir"/> as an older coordinator left it: <paramref name="sql"/> run on a new file.</summary>
    public static void CreateOldSqlite(string dataDir, string sql)
    {
        using var old = new SqliteConnection($"Data Source={Path.Combine(dataDir, "akd.db")};Pooling=False");
        old.Open();
        using var create = old.CreateCommand();
        create.CommandText = sql;
        create.ExecuteNonQuery();
    }

    /// <summary>Tables PostgreSQL has and SQLite has not by design: its migration record and the migrations limited to it.</summary>
    public static IEnumerable<string> PostgresOnly => SchemaHistory.TablesOnlyOn(StoreEngine.Postgres).Append("schema_migrations");

    private static List<string> Read(DbConnection connection, string engine, HashSet<string> except)
    {
        var sqlite = engine == "sqlite";
        var lines = new List<string>();
        using (var columns = connection.Command(sqlite ? SqliteColumns : PostgresColumns))
        using (var reader = columns.ExecuteReader())
        {
            while (reader.Read())
            {
                var table = reader.GetString(0);
                if (except.Contains(table))
                {
                    continue;
                }

                var notNull = reader.GetBoolean(3) ? " not null" : "";
                var @default = reader.IsDBNull(4) ? "" : $" default {TypeCast().Replace(reader.GetString(4), "")}";
                lines.Add($"{table}.{reader.GetString(1)} {reader.GetString(2)}{notNull}{@default}");
            }
        }

        using (var indexes = connection.Command(sqlite ? SqliteIndexes : PostgresIndexes))
        using (var reader = indexes.ExecuteReader())
        {
            while (reader.Read())
            {
                if (!except.Contains(reader.GetString(1)))
                {
                    lines.Add($"index {reader.GetString(0)} on {reader.GetString(1)}");
                }
            }
        }

        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    /// <summary>PostgreSQL spells a default with its type (<c>''::text</c>); SQLite as written (<c>''</c>).</summary>
    [GeneratedRegex("::[a-z ]+$")]
    private static partial Regex TypeCast();
}
