using Microsoft.Extensions.Options;

namespace Akd.Agent.Sandbox;

/// <summary>
/// At start: says once how apps run on this host, and where they run as users of their own, closes the agent's
/// files to them: the data dir may be passed through (0711) to reach deploy paths under it, never listed; the
/// identity (the agent's key) is 0700; a config file the agent owns loses any access for others.
/// </summary>
internal sealed partial class AgentFilesGuard(IOptions<AgentOptions> options, IConfiguration configuration, ILogger<AgentFilesGuard> logger) : IHostedService
{
    private const UnixFileMode PassThrough = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    private const UnixFileMode OthersBits = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
        | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var mode = UserSwitching.Detect(options.Value);
        if (mode is UserSwitchingMode.Root or UserSwitchingMode.Capabilities)
        {
            LogAppUsers(UserSwitching.Describe(mode));
            CloseAgentFiles();
        }
        else
        {
            LogAppsAsAgent(UserSwitching.Describe(mode));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void CloseAgentFiles()
    {
        var dataDir = options.Value.DataDir;
        Directory.CreateDirectory(dataDir);
        File.SetUnixFileMode(dataDir, PassThrough);
        var apps = Path.Combine(dataDir, "apps");
        Directory.CreateDirectory(apps);
        File.SetUnixFileMode(apps, PassThrough);
        var identity = Path.Combine(dataDir, "identity");
        Directory.CreateDirectory(identity);
        File.SetUnixFileMode(identity, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var config = configuration["ConfigFile"] ?? "/etc/akd/agent.json";
        if (!File.Exists(config))
        {
            return;
        }

        var fileMode = File.GetUnixFileMode(config);
        if ((fileMode & (UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) == 0)
        {
            return;
        }

        if (FileOwnership.Owner(config) == UserSwitching.AgentUid)
        {
            File.SetUnixFileMode(config, fileMode & ~OthersBits);
            LogConfigClosed(config);
        }
        else
        {
            LogConfigOpen(config);
        }
    }

    [LoggerMessage(EventId = 150, Level = LogLevel.Information, Message = "App users: {How}")]
    private partial void LogAppUsers(string how);

    [LoggerMessage(EventId = 151, Level = LogLevel.Warning, Message = "App users: {How}")]
    private partial void LogAppsAsAgent(string how);

    [LoggerMessage(EventId = 152, Level = LogLevel.Information, Message = "Config file {Path} was readable by other users; now 0600-like (owner only)")]
    private partial void LogConfigClosed(string path);

    [LoggerMessage(EventId = 153, Level = LogLevel.Warning, Message = "Config file {Path} is readable by every user, apps included; make it 0640 root:akd or 0600")]
    private partial void LogConfigOpen(string path);
}
