using Akd.Testing;

namespace Akd.Coordinator.Tests.Storage;

/// <summary>The store suite: every test in it runs on SQLite and on PostgreSQL, one cluster for the whole collection.</summary>
[CollectionDefinition(Name)]
public sealed class StoreCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "store";
}

/// <summary>The engines every store test runs on: <c>[MemberData(nameof(StoreEngines.All), MemberType = typeof(StoreEngines))]</c>.</summary>
public static class StoreEngines
{
    public const string Sqlite = "sqlite";

    public const string Postgres = "postgres";

    public static TheoryData<string> All => new() { Sqlite, Postgres };
}
