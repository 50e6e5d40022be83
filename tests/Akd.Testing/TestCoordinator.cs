namespace Akd.Testing;

/// <summary>
/// A real coordinator process on a free loopback port with its own data dir, and an admin channel to it
/// (its CA and bootstrap admin token, written on its first start).
/// </summary>
public sealed class TestCoordinator : IDisposable
{
    private readonly AkdPrograms _programs;
    private readonly bool _writesAdminToken;
    private TestChannel? _admin;

    private TestCoordinator(AkdPrograms programs, string dataDir, IReadOnlyDictionary<string, string>? env, IReadOnlyList<string>? args, int? port, bool writesAdminToken)
    {
        _writesAdminToken = writesAdminToken;
        Args.AddRange(args ?? []);
        _programs = programs;
        DataDir = dataDir;
        Port = port ?? Ports.Free();
        foreach (var (key, value) in env ?? new Dictionary<string, string>())
        {
            Env[key] = value;
        }
    }

    public string DataDir { get; }

    public int Port { get; }

    public string Url => $"https://127.0.0.1:{Port}";

    /// <summary>Coordinator settings (e.g. <c>Trust__AgentCertificateLifetime</c>) for the next start.</summary>
    public Dictionary<string, string> Env { get; } = [];

    /// <summary>Extra coordinator flags (e.g. <c>--postgres CONNECTION-STRING</c>) for every start.</summary>
    public List<string> Args { get; } = [];

    public ManagedProcess Process { get; private set; } = null!;

    /// <summary>Every process this coordinator ran as, the current one last: restarts keep the output of the runs before.</summary>
    public List<ManagedProcess> Runs { get; } = [];

    /// <summary>The CA certificate a coordinator writes on its first start: akdctl and the agents trust it.</summary>
    public string CaFile => Path.Combine(DataDir, "pki", "ca.crt");

    /// <summary>The bootstrap admin token a coordinator writes on its first start.</summary>
    public string AdminTokenFile => Path.Combine(DataDir, "admin.token");

    public string AdminToken => File.ReadAllText(AdminTokenFile).Trim();

    /// <summary>A channel presenting the bootstrap admin token.</summary>
    public TestChannel Admin => _admin ??= new TestChannel(Url, CaFile, AdminToken);

    /// <summary>Starts it and returns once it listens and its trust files are written.</summary>
    /// <param name="port">The port to listen on; null: a free one.</param>
    /// <param name="writesAdminToken">False for a replica joining a shared store that has tokens already: it writes none.</param>
    public static async Task<TestCoordinator> StartAsync(
        AkdPrograms programs, string dataDir, CancellationToken ct, IReadOnlyDictionary<string, string>? env = null, IReadOnlyList<string>? args = null,
        int? port = null, bool writesAdminToken = true)
    {
        var coordinator = new TestCoordinator(programs, dataDir, env, args, port, writesAdminToken);
        try
        {
            await coordinator.StartProcessAsync(ct).ConfigureAwait(false);
            return coordinator;
        }
        catch
        {
            coordinator.Dispose();
            throw;
        }
    }

    /// <summary>Kills it (no graceful shutdown, as in a crash) and starts it again on the same port and data dir.</summary>
    public async Task RestartAsync(CancellationToken ct)
    {
        Process.Kill();
        await StartProcessAsync(ct).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _admin?.Dispose();
        foreach (var run in Runs)
        {
            run.Dispose();
        }
    }

    private async Task StartProcessAsync(CancellationToken ct)
    {
        Process = _programs.StartCoordinator(Url, DataDir, Env, Args);
        Runs.Add(Process);
        await Ports.WaitListeningAsync(Port, TimeSpan.FromSeconds(60), ct, () => Process.Output).ConfigureAwait(false);
        // It listens only after writing them, but be sure.
        for (var i = 0; i < 300 && !(File.Exists(CaFile) && (File.Exists(AdminTokenFile) || !_writesAdminToken)); i++)
        {
            await Task.Delay(100, ct).ConfigureAwait(false);
        }
    }
}
