using System.Reflection;
using Akd.Agent.Reporting;
using Akd.Agent.Transport;
using Akd.Agent;
using Akd.Agent.Artifacts;
using Akd.Agent.Delivery;
using Akd.Agent.Connection;
using Akd.Agent.Observability;
using Akd.Agent.Identity;
using Akd.Agent.Steps;
using Akd.Client.Channels;

if (args is ["--version"])
{
    // What the package installed, also where no config exists yet.
    Console.WriteLine($"akd-agent {typeof(AgentCommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion}");
    return 0;
}

if (args is ["--create-app-user"])
{
    // The root helper's one verb (akd-app-user@.service): stdin and stdout are a connection from the agent.
    return await Akd.Agent.Sandbox.AppUserHelper.RunAsync(Console.OpenStandardInput(), Console.OpenStandardOutput(), Console.Error, CancellationToken.None);
}

Dictionary<string, string?> flags;
try
{
    flags = AgentCommandLine.Parse(args);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"akd-agent: {ex.Message}");
    return 2;
}

// The agent's settings (its coordinator token among them) come in as AKD_* or Agent__* variables;
// builds, hooks and apps are the user's code and must not inherit them.
Akd.Core.Processes.ChildEnvironment.Withhold("AKD_", "Agent__");

// No reload of appsettings.json on change: the default watches the working directory and everything under it
// (under systemd that is /), which costs an idle agent a thread, an inotify watch per directory and the memory
// for their paths (36 MB and 13 s to connect, measured from /). The agent reads its settings once, at start.
var hostSettings = new HostApplicationBuilderSettings { Configuration = new ConfigurationManager() };
hostSettings.Configuration.AddInMemoryCollection([new("hostBuilder:reloadConfigOnChange", "false")]);
var builder = Host.CreateApplicationBuilder(hostSettings);
builder.Configuration.AddJsonFile(flags.GetValueOrDefault("ConfigFile") ?? "/etc/akd/agent.json", optional: true);
builder.Configuration.AddEnvironmentVariables("AKD_");
builder.Configuration.AddInMemoryCollection(flags);
if (builder.Configuration["JOIN_TOKEN"] is { Length: > 0 } joinToken && string.IsNullOrEmpty(builder.Configuration["Agent:Join"])
    && string.IsNullOrEmpty(builder.Configuration["Agent:JoinFile"]))
{
    // AKD_JOIN_TOKEN, as an installer's environment file gives it; a --join-file given as well is the operator's later word.
    builder.Configuration["Agent:Join"] = joinToken;
}

builder.Services.AddSystemd();

builder.Services.AddOptions<AgentOptions>()
    .BindConfiguration("Agent")
    .Configure<IConfiguration>((o, config) => config.GetSection("Agent:build_env").Bind(o.BuildEnv))
    .Validate(o => CoordinatorAddresses.TryParse(o.Coordinator, out _, out _), "--coordinator must be a URL such as https://coord:7400, or several separated by commas")
    .Validate(o => !string.IsNullOrWhiteSpace(o.Name), "--name must be set")
    .Validate(o => !string.IsNullOrWhiteSpace(o.DataDir), "--data-dir must be set")
    .Validate(o => string.IsNullOrWhiteSpace(o.Join) || string.IsNullOrWhiteSpace(o.JoinFile), "give the join token once: --join (Agent:Join) or --join-file (Agent:JoinFile), not both")
    .Validate(o => o.MetricsPort is >= 0 and <= 65535, "--metrics-port must be a TCP port (0: no metrics endpoint)")
    .Validate(o => o.RenewAt is > 0.1 and < 1, "Agent:RenewAt must be between 0.1 and 1")
    .Validate(o => o.AppRunner is "auto" or "systemd" or "detached", "--app-runner must be auto, systemd or detached")
    .Validate(o => Path.IsPathFullyQualified(o.AppUserSocket), "Agent:AppUserSocket must be an absolute path")
    .Validate(o => o.PeerPort is >= 0 and <= 65535, "--peer-port must be a TCP port (0: no peer-to-peer delivery)")
    .Validate(o => o.SessionEndPause >= TimeSpan.Zero, "Agent:SessionEndPause must be >= 0")
    .ValidateOnStart();
builder.Services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<AgentOptions>, AgentOptionsValidation>();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddSingleton<AgentIdentity>();
builder.Services.AddSingleton<Enroller>();
builder.Services.AddSingleton<CoordinatorChannel>();
builder.Services.AddSingleton(sp => new Outbox(Path.Join(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<AgentOptions>>().Value.DataDir, "results")));
builder.Services.AddSingleton<AgentToolchain>();
builder.Services.AddSingleton<ArtifactClient>();
builder.Services.AddSingleton<ArtifactPrefetcher>();
builder.Services.AddSingleton<ReleaseFetch>();
builder.Services.AddSingleton<Akd.Agent.Peers.PeerPieces>();
builder.Services.AddSingleton<Akd.Agent.Peers.SwarmDownload>();
builder.Services.AddHostedService<Akd.Agent.Peers.PeerServer>();
builder.Services.AddSingleton(services => new ArtifactCache(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<AgentOptions>>().Value, services.GetRequiredService<TimeProvider>()));
builder.Services.AddHostedService<ArtifactCacheSweeper>();
builder.Services.AddSingleton<StepContexts>();
builder.Services.AddSingleton<StepExecutor>();
builder.Services.AddSingleton<BuildStepHandler>();
builder.Services.AddSingleton<ActivateStepHandler>();
builder.Services.AddSingleton<SourceActivateStepHandler>();
builder.Services.AddSingleton<RollbackStepHandler>();
builder.Services.AddSingleton<AppControlStepHandler>();
builder.Services.AddSingleton<ReleasesQueryHandler>();
builder.Services.AddSingleton<StepLocks>();
builder.Services.AddSingleton(_ => new HttpClient());
// Registered first: it must claim the steps a previous run died in before the hello lists what runs.
// Before anything starts an app: the agent's own files are closed to apps first.
builder.Services.AddHostedService<Akd.Agent.Sandbox.AgentFilesGuard>();
builder.Services.AddHostedService<ActivationRecovery>();
builder.Services.AddAgentObservability(builder.Configuration.GetValue<int>("Agent:MetricsPort"));
builder.Services.AddHostedService<CoordinatorConnection>();

var started = false;
try
{
    var host = builder.Build();
    host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => started = true);
    await host.RunAsync();
}
catch (Exception ex) when (ex is not OutOfMemoryException)
{
    // A setting out of range, a metrics or peer port in use: one line and an exit code, not a stack trace and an abort.
    return Akd.Core.Hosting.StartFailure.Report("akd-agent", ex, started, ex is Microsoft.Extensions.Options.OptionsValidationException);
}

return Environment.ExitCode;
