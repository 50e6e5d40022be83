using System.Reflection;
using Akd.Coordinator;
using Akd.Coordinator.Agents;
using Akd.Coordinator.Artifacts;
using Akd.Coordinator.Dashboard;
using Akd.Coordinator.Deployments;
using Akd.Coordinator.Errors;
using Akd.Coordinator.Observability;
using Akd.Coordinator.Replicas;
using Akd.Coordinator.Security;
using Akd.Coordinator.Storage;
using Akd.Core.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;

if (args is ["--version"])
{
    Console.WriteLine($"akd-coordinator {typeof(CoordinatorOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion}");
    return 0;
}

args = SecurityCommandLine.Extract(args, out var securityFlags);
if (CoordinatorCommandLine.Refusal(args) is { } argumentRefusal)
{
    Console.Error.WriteLine($"akd-coordinator: {argumentRefusal}");
    return StartFailure.BadSetting;
}

// No reload of appsettings.json on change, as in the agent: the default watches the content root (the working
// directory; under systemd, /) and everything under it with an inotify watch per directory. The coordinator reads its
// settings once, at start. A host setting, so it goes in as a command-line argument the host reads before the rest.
// appsettings.json is the one shipped next to the program, wherever it is started from: with the working directory
// as the content root (the default) it was not found under systemd (/) nor in tests and bench, so its log levels did
// not apply and every request logged two Information lines, whose console queue held up a reconnect storm's hellos.
var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = [.. args, "--hostBuilder:reloadConfigOnChange=false"],
    ContentRootPath = AppContext.BaseDirectory,
});
builder.Configuration.AddCommandLine(args, new Dictionary<string, string>
{
    ["--data-dir"] = "Coordinator:DataDir",
    ["--dashboard-urls"] = "Dashboard:Urls",
    ["--postgres"] = StoreSetup.PostgresKey,
    ["--replica-id"] = "Coordinator:ReplicaId",
});
builder.Host.UseSystemd();
if (builder.AddTransportSecurity(securityFlags) is { } refusal)
{
    Console.Error.WriteLine($"akd-coordinator: {refusal}");
    return 2;
}

if (builder.AddDashboard(out var dashboard) is { } dashboardRefusal)
{
    Console.Error.WriteLine($"akd-coordinator: {dashboardRefusal}");
    return 2;
}

builder.WebHost.ConfigureKestrel(kestrel =>
{
    // gRPC over HTTP/2 (TLS: Security/TransportSecurity.cs); the dashboard's ports also HTTP/1.1.
    // One defaults hook (a second call replaces the first): protocols, and the stop's refusal of new connections.
    kestrel.ConfigureEndpointDefaults(endpoint =>
    {
        endpoint.Protocols = dashboard.ProtocolsFor(endpoint);
        endpoint.RefuseConnectionsWhileStopping();
    });
});

builder.Services.AddOptions<CoordinatorOptions>()
    .BindConfiguration("Coordinator")
    .Validate(o => !string.IsNullOrWhiteSpace(o.DataDir), "--data-dir must be set")
    .Validate(o => o.ArtifactChunkBytes is >= 4096 and <= 3 * 1024 * 1024, "Coordinator:ArtifactChunkBytes must be between 4 KiB and 3 MiB")
    .Validate(o => o.AgentLostGrace >= TimeSpan.Zero && o.QueryDeadline > TimeSpan.Zero, "Coordinator:AgentLostGrace must be >= 0 and Coordinator:QueryDeadline > 0")
    .Validate(o => o.ReconcileWindow >= TimeSpan.Zero && o.ReconcilePoll > TimeSpan.Zero, "Coordinator:ReconcileWindow must be >= 0 and Coordinator:ReconcilePoll > 0")
    .Validate(o => string.IsNullOrWhiteSpace(o.ReplicaId) || ReplicaIdentity.IsValid(o.ReplicaId.Trim()), "--replica-id must be 1 to 64 letters, digits, '.', '_' or '-'")
    .Validate(o => o.ReplicaHeartbeatInterval > TimeSpan.Zero && o.ReplicaTimeout >= 2 * o.ReplicaHeartbeatInterval,
        "Coordinator:ReplicaHeartbeatInterval must be > 0 and Coordinator:ReplicaTimeout at least twice as long")
    .Validate(o => o.Http2StreamWindowBytes is >= 65535 and <= 64 * 1024 * 1024 && o.Http2ConnectionWindowBytes is >= 65535 and <= 256 * 1024 * 1024,
        "Coordinator:Http2StreamWindowBytes must be between 64 KiB and 64 MiB, Coordinator:Http2ConnectionWindowBytes between 64 KiB and 256 MiB")
    .Validate(o => o.ResponseBufferBytes is >= 64 * 1024 and <= 64 * 1024 * 1024, "Coordinator:ResponseBufferBytes must be between 64 KiB and 64 MiB")
    .Validate(o => o.PieceBytes is >= 64 * 1024 and <= Akd.Contracts.V1.PieceBits.MaxPieceBytes, "Coordinator:PieceBytes must be between 64 KiB and 16 MiB")
    .Validate(o => o.RouteBatchMax is >= 1 and <= 100_000 && o.IdentitySyncLookback >= TimeSpan.Zero,
        "Coordinator:RouteBatchMax must be between 1 and 100000 and Coordinator:IdentitySyncLookback >= 0")
    .Validate(o => o.MaxReceiveMessageBytes > o.ArtifactChunkBytes, "Coordinator:MaxReceiveMessageBytes must be larger than Coordinator:ArtifactChunkBytes")
    .Validate(o => o.StepResultMargin >= TimeSpan.Zero && o.PingTimeout > TimeSpan.Zero && o.DeploymentListLimit > 0,
        "Coordinator:StepResultMargin must be >= 0, Coordinator:PingTimeout > 0 and Coordinator:DeploymentListLimit > 0")
    .Validate(o => o.KeepAlivePingDelay > TimeSpan.Zero && o.KeepAlivePingTimeout > TimeSpan.Zero,
        "Coordinator:KeepAlivePingDelay and Coordinator:KeepAlivePingTimeout must be > 0")
    .Validate(o => o.MinWorkerThreads is >= 0 and <= 4096, "Coordinator:MinWorkerThreads must be between 0 and 4096")
    .Validate(o => o.ListenBacklog is >= 1 and <= 65535, "Coordinator:ListenBacklog must be between 1 and 65535")
    .Validate(o => o.HandshakeTimeout > TimeSpan.Zero, "Coordinator:HandshakeTimeout must be > 0")
    .ValidateOnStart();
// Flow control and keep-alive from the validated options (one binding of the Coordinator section, as for gRPC below).
builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
    .Configure<Microsoft.Extensions.Options.IOptions<CoordinatorOptions>>((kestrel, coordinator) =>
    {
        kestrel.Limits.Http2.InitialStreamWindowSize = coordinator.Value.Http2StreamWindowBytes;
        kestrel.Limits.Http2.InitialConnectionWindowSize = coordinator.Value.Http2ConnectionWindowBytes;
        kestrel.Limits.MaxResponseBufferSize = coordinator.Value.ResponseBufferBytes;
        kestrel.Limits.Http2.KeepAlivePingDelay = coordinator.Value.KeepAlivePingDelay;
        kestrel.Limits.Http2.KeepAlivePingTimeout = coordinator.Value.KeepAlivePingTimeout;
    });
builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>()
    .Configure<Microsoft.Extensions.Options.IOptions<CoordinatorOptions>>((sockets, coordinator) => sockets.Backlog = coordinator.Value.ListenBacklog);
builder.Services.AddOptions<Grpc.AspNetCore.Server.GrpcServiceOptions>()
    .Configure<Microsoft.Extensions.Options.IOptions<CoordinatorOptions>>((grpc, coordinator) => grpc.MaxReceiveMessageSize = coordinator.Value.MaxReceiveMessageBytes);
builder.Services.AddGrpc(grpc =>
{
    // First, so that it maps what the interceptors after it throw too.
    grpc.Interceptors.Add<RpcErrorInterceptor>();
    grpc.Interceptors.Add<AuthInterceptor>();
    // Older agents and akdctl builds read and write the vocabulary as text: every message in and out gets both.
    grpc.Interceptors.Add<Akd.Contracts.V1.VocabularyInterceptor>();
});
builder.AddQuickShutdown();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddTrust();
builder.Services.AddStore();
builder.Services.AddArtifactStore();
builder.Services.AddSingleton<LiveUploads>();
builder.Services.AddSingleton<Akd.Coordinator.Peers.PieceManifests>();
builder.Services.AddSingleton<Akd.Coordinator.Peers.SwarmTracker>();
builder.Services.AddSingleton<ArtifactsService>();
builder.Services.AddSingleton<AgentRegistry>();
builder.Services.AddSingleton<AgentLiveness>();
builder.Services.AddHostedService(services => services.GetRequiredService<AgentLiveness>());
builder.Services.AddSingleton<DeploymentEvents>();
builder.Services.AddSingleton<DeploymentPlanner>();
builder.Services.AddSingleton<DeploymentRunner>();
builder.Services.AddSingleton<DeploymentScheduler>();
builder.Services.AddSingleton<DeploymentJournal>();
builder.Services.AddSingleton<HostSteps>();
builder.Services.AddSingleton<LateResults>();
builder.Services.AddSingleton<ILateResults>(sp => sp.GetRequiredService<LateResults>());
builder.Services.AddSingleton<TargetResolver>();
builder.Services.AddSingleton<OperationPlanner>();
builder.Services.AddSingleton<FleetOperationRunner>();
builder.Services.AddSingleton<HostReleasesQuery>();
builder.Services.AddSingleton<ReleasesLookup>();
builder.Services.AddSingleton<UpgradeBaseLookup>();
// Before recovery: a start first says it is alive, then takes back what is its own or a dead replica's.
builder.Services.AddReplicas();
builder.Services.AddHostedService<DeploymentRecovery>();
builder.Services.AddSingleton<ArtifactCollector>();
builder.Services.AddHostedService(services => services.GetRequiredService<ArtifactCollector>());
builder.Services.AddHostedService<HistoryRetention>();
builder.Services.AddAkdObservability();

var started = false;
try
{
    var app = builder.Build();
    app.Lifetime.ApplicationStarted.Register(() => started = true);
    // Threads ready for a storm of handshakes, whose certificate checks block (CoordinatorOptions.MinWorkerThreads).
    ThreadPool.GetMinThreads(out var minWorkers, out var minIo);
    ThreadPool.SetMinThreads(Math.Max(minWorkers, app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<CoordinatorOptions>>().Value.MinWorkerThreads), minIo);
    // A cancel asked on another replica reaches the deployment where it runs.
    app.Services.GetRequiredService<Akd.Coordinator.Agents.Routing.ReplicaRouter>().CancelDeployment = app.Services.GetRequiredService<DeploymentScheduler>().CancelAsync;
    app.CloseAgentStreamsOnStop();
    app.MapGrpcService<AgentHubService>();
    app.MapGrpcService<ArtifactsService>();
    app.MapGrpcService<Akd.Coordinator.Peers.SwarmService>();
    app.MapGrpcService<ControlService>();
    app.MapGrpcService<AdminService>();
    app.MapAkdObservability();
    app.MapTrust();
    app.MapDashboard();
    app.UseTransportSecurity();
    app.Run();
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    // Settings out of range, a store that cannot be opened, a port in use: one line and an exit code, not .NET's
    // "Unhandled exception" with a stack trace and an abort (the host has logged what it could).
    return StartFailure.Report("akd-coordinator", ex, started, ex is Microsoft.Extensions.Options.OptionsValidationException);
}

return 0;
