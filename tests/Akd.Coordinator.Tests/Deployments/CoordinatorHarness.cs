using Akd.Contracts.V1;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Artifacts;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Observability;
using Akd.Coordinator.Storage;
using Akd.Coordinator.Tests.Agents;
using Akd.Coordinator.Tests.Storage;
using Akd.Core.Manifest;
using Akd.Manifest;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Akd.Coordinator.Tests.Deployments;

/// <summary>
/// The coordinator's deployment machinery wired as Program.cs wires it, on a real SQLite store in a
/// scratch directory, with fake agents in process instead of gRPC streams and a fake clock.
/// </summary>
internal sealed class CoordinatorHarness : IDisposable
{
    public const string Manifest = """
        app: hello
        build: { on: { role: build } }
        deploy:
          to: { role: web }
          rolling: { batch: 1 }
        """;

    private readonly TempDatabase _db;

    public CoordinatorHarness()
        : this(new TempDatabase())
    {
    }

    /// <summary>On <paramref name="db"/>, which the harness disposes: e.g. a PostgreSQL store that another harness shares.</summary>
    public CoordinatorHarness(TempDatabase db)
    {
        _db = db;
        Options = new CoordinatorOptions { DataDir = _db.Dir };
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        Registry = new AgentRegistry(Clock, options, NullLogger<AgentRegistry>.Instance);
        Agents = new AgentStore(_db.Database, Clock);
        Artifacts = new ArtifactStore(options);
        Events = new EventStore(_db.Database);
        Journal = new DeploymentJournal(_db.Deployments, new DeploymentEvents(Events, Clock), NullLogger<DeploymentJournal>.Instance);
        // Real metrics on a meter factory of the harness's own: the runners record into them as in production.
        var metrics = new CoordinatorMetrics(
            new Microsoft.Extensions.DependencyInjection.ServiceCollection().AddMetrics().BuildServiceProvider()
                .GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), Registry);
        var steps = new HostSteps(Registry, Journal, metrics, Clock);
        Runner = new DeploymentRunner(steps, Journal, _db.Deployments, Uploads, options, Clock, NullLogger<DeploymentRunner>.Instance, Artifacts);
        Operations = new FleetOperationRunner(steps, Journal, _db.Deployments, options, Clock, NullLogger<FleetOperationRunner>.Instance);
        LateResults = new LateResults(_db.Deployments, Journal, Registry, NullLogger<LateResults>.Instance);
        Planner = new DeploymentPlanner(Registry, Agents, Artifacts, Clock);
        Targets = new TargetResolver(Registry, Agents);
        // On the harness clock, as every other part: a lock's age is measured against the plans' times.
        Scheduler = new DeploymentScheduler(Runner, Operations, new DeployLockStore(_db.Database, Clock, options), _db.Deployments, Journal, metrics, new NeverStopping());
    }

    /// <summary>Starts at a fixed instant; only the test moves it.</summary>
    public FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public CoordinatorOptions Options { get; }

    public AgentRegistry Registry { get; }

    public AgentStore Agents { get; }

    public ArtifactStore Artifacts { get; }

    public EventStore Events { get; }

    public DeploymentStore Deployments => _db.Deployments;

    public ArtifactUploadStore Uploads => _db.Uploads;

    public DeployLockStore Locks => _db.Locks;

    /// <summary>The start-up reconciler, as a restarted coordinator runs it over this store.</summary>
    public DeploymentRecovery Recovery() => new(
        Agents, Deployments, Journal, Locks, Registry, Runner, Operations, Scheduler, Microsoft.Extensions.Options.Options.Create(Options), Clock,
        NullLogger<DeploymentRecovery>.Instance);

    public DeploymentJournal Journal { get; }

    public DeploymentRunner Runner { get; }

    public FleetOperationRunner Operations { get; }

    public DeploymentPlanner Planner { get; }

    public LateResults LateResults { get; }

    public TargetResolver Targets { get; }

    public DeploymentScheduler Scheduler { get; }

    /// <summary>A fake agent, connected and known to the store, as an agent's hello makes it.</summary>
    public async Task<FakeAgent> ConnectAsync(string name, string label, CancellationToken ct)
    {
        var agent = new FakeAgent(Registry, name, label);
        var connection = agent.Connect();
        await Agents.UpsertOnlineAsync(connection.Hello, ct);
        return agent;
    }

    /// <summary>A plan as the planner makes it for an uploaded source archive.</summary>
    public async Task<DeploymentPlan> PlanAsync(string manifestYaml, CancellationToken ct, bool skipOffline = false)
    {
        var source = new ArtifactRef { Sha256 = await UploadAsync("source archive", ct), Size = 14 };
        return await Planner.PlanAsync(new DeployRequest
        {
            ManifestYaml = manifestYaml, Actor = "alice@box", Source = new SourceSpec { Archive = source }, SkipOffline = skipOffline,
        }, ct);
    }

    /// <summary>Stores bytes as an uploaded artifact; returns its digest.</summary>
    public async Task<string> UploadAsync(string content, CancellationToken ct)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(content);
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        await using var upload = Artifacts.BeginUpload(bytes.Length);
        upload.Write(bytes);
        await upload.CommitAsync(sha, ct);
        return sha;
    }

    /// <summary>Records <paramref name="agent"/>'s upload of a release within build step <paramref name="stepId"/>, as ArtifactsService does.</summary>
    public Task UploadedInStepAsync(string agent, string stepId, string sha256, CancellationToken ct) =>
        Uploads.RecordAsync(sha256, "release", $"agent {agent}", stepId, ct);

    public async Task<Deployment> GetAsync(string id, CancellationToken ct) =>
        await Deployments.GetAsync(id, ct) ?? throw new InvalidOperationException($"no deployment {id}");

    public static HostStatus Row(Deployment d, string host, StepKind step) => d.Hosts.Single(h => h.Host == host && h.Step == step);

    public static AppManifest Parse(string yaml) => ManifestLoader.Parse(yaml, "akd.yaml", null, null);

    public void Dispose() => _db.Dispose();

    /// <summary>A host that never stops, as the tests run each deployment to its end.</summary>
    private sealed class NeverStopping : IHostApplicationLifetime
    {
        public CancellationToken ApplicationStarted => CancellationToken.None;

        public CancellationToken ApplicationStopping => CancellationToken.None;

        public CancellationToken ApplicationStopped => CancellationToken.None;

        public void StopApplication()
        {
        }
    }
}
