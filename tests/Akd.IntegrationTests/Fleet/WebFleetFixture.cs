namespace Akd.IntegrationTests.Fleet;

/// <summary>
/// One fleet (coordinator, build agent, web agents with their own PORT) shared by the tests that use it.
/// Tests leave every host on one healthy release; <see cref="EnsureBaselineAsync"/> restores that when
/// a test did not, so the tests do not depend on their order.
/// </summary>
public abstract class WebFleetFixture(int webAgents) : IAsyncLifetime
{
    private int _versions;

    internal LocalFleet Fleet { get; private set; } = null!;

    internal HelloApp App { get; private set; } = null!;

    /// <summary>A version no earlier test of this fleet deployed, so every deploy makes a new release.</summary>
    public string NextVersion() => $"1.{Interlocked.Increment(ref _versions)}.0";

    public async Task InitializeAsync()
    {
        Fleet = await LocalFleet.StartAsync(webAgents, CancellationToken.None);
        App = HelloApp.CopyTo(Fleet.Root);
    }

    public async Task DisposeAsync() => await Fleet.DisposeAsync();

    /// <summary>Every host answers the same healthy version; deploys a fresh one (all at once) when they do not.</summary>
    /// <returns>The version and the release id every host is on.</returns>
    internal async Task<(string Version, string Release)> EnsureBaselineAsync(Action<string> log)
    {
        var bodies = await Task.WhenAll(Fleet.Web.Select(h => h.BodyOrNullAsync()));
        var releases = Fleet.Web.Select(h => h.CurrentRelease()).Distinct().ToList();
        if (bodies.Distinct().Count() == 1 && bodies[0] is { } body && body.StartsWith("hello ", StringComparison.Ordinal) && releases is [{ } release])
        {
            return (body["hello ".Length..], release);
        }

        var version = NextVersion();
        App.RestoreHealth();
        App.SetVersion(version);
        var manifest = FleetManifest.Write(App, "akd.baseline.yaml", "{ batch: all }");
        var result = await Fleet.AkdctlAsync(App.Dir, TimeSpan.FromMinutes(5), "deploy", "-f", manifest);
        log(result.ToString());
        CliAssert.Succeeded(result);
        return (version, Fleet.Web[0].CurrentRelease()!);
    }
}

/// <summary>Five web hosts, shared by the classes of <see cref="FiveWebHostsCollection"/>.</summary>
public sealed class FiveWebHostsFixture() : WebFleetFixture(webAgents: 5);

/// <summary>The classes that share the five-host fleet: one fleet for all of them, started once.</summary>
[CollectionDefinition(Name)]
public sealed class FiveWebHostsCollection : ICollectionFixture<FiveWebHostsFixture>
{
    public const string Name = "five web hosts";
}
