using System.Diagnostics;
using Akd.Bench.Infra;
using Akd.Testing;

namespace Akd.Bench.Fleet;

/// <summary>The throwaway sshd of bench/shell/sshd.sh: 127.0.0.1 only, keys made for this run.</summary>
public sealed class SshServer : IAsyncDisposable
{
    private readonly string _script;

    private SshServer(string script, string dir, int port)
    {
        _script = script;
        Dir = dir;
        Port = port;
    }

    public string Dir { get; }

    public int Port { get; }

    public static bool IsInstalled => File.Exists("/usr/sbin/sshd") && File.Exists("/usr/bin/ssh") && File.Exists("/usr/bin/scp");

    public static async Task<SshServer> StartAsync(string shellDir, string dir, CancellationToken ct)
    {
        var server = new SshServer(Path.Combine(shellDir, "sshd.sh"), dir, Ports.Free());
        await Command.RunAsync("bash", [server._script, "start", dir, server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct).ConfigureAwait(false);
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var probe = await Command.RunAsync("ssh", [.. server.ClientOptions, Environment.UserName + "@127.0.0.1", "true"], ct, check: false, timeout: TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            if (probe.ExitCode == 0)
            {
                return server;
            }

            if (watch.Elapsed > TimeSpan.FromSeconds(20))
            {
                await server.DisposeAsync().ConfigureAwait(false);
                throw new InvalidOperationException($"the bench sshd on 127.0.0.1:{server.Port} does not accept the key: {probe.Text}");
            }

            await Task.Delay(200, ct).ConfigureAwait(false);
        }
    }

    private string[] ClientOptions =>
    [
        "-p", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", Path.Combine(Dir, "client_key"),
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
    ];

    public async ValueTask DisposeAsync() =>
        await Command.RunAsync("bash", [_script, "stop", Dir], CancellationToken.None, check: false).ConfigureAwait(false);
}
