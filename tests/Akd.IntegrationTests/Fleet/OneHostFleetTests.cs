using Xunit.Abstractions;

namespace Akd.IntegrationTests.Fleet;

/// <summary>
/// The arrange of the end-to-end classes whose tests each need a host of their own: a fresh fleet per test (coordinator,
/// build agent, one web agent) and a copy of an example app, examples/hello unless another is named, overlaid with a
/// test fixture from Fixtures/ where one is named. The fleet's logs go to the test output when the test ends.
/// </summary>
public abstract class OneHostFleetTests(ITestOutputHelper output, string? fixture = null, string? example = null) : IAsyncLifetime
{
    protected static readonly TimeSpan DeployTimeout = TimeSpan.FromMinutes(5);

    protected ITestOutputHelper Output => output;

    private protected LocalFleet Fleet { get; private set; } = null!;

    private protected HelloApp App { get; private set; } = null!;

    private protected LocalFleet.WebHost Host => Fleet.Web[0];

    public async Task InitializeAsync()
    {
        Fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None);
        App = HelloApp.CopyExample(example ?? RepoRoot.HelloExample, Fleet.Root);
        if (fixture is not null)
        {
            App.Overlay(Path.Combine(RepoRoot.Path, "tests", "Akd.IntegrationTests", "Fixtures", fixture));
        }
    }

    public async Task DisposeAsync()
    {
        output.WriteLine(Fleet.Logs());
        await Fleet.DisposeAsync();
    }
}
