using System.Net;
using System.Net.Sockets;
using Akd.Core.Manifest;
using Akd.Core.Processes;

namespace Akd.Core.Health;

public sealed record HealthCheckResult(bool Healthy, string Target, string Detail, int Attempts);

/// <summary>
/// Polls the manifest's health check until it passes, the retries run out, or the timeout ends.
/// The caller passes <c>isOwnProcessAlive</c> so a check can never pass on an old process that
/// still answers on the port: each attempt first asks whether the new release is running.
/// The pauses between attempts and the timeouts run on <paramref name="clock"/> (the system's by default).
/// </summary>
public sealed class HealthChecker(HttpClient http, TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    /// <summary>The longest one attempt may take, so a hung endpoint is retried rather than waited for until the timeout.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Opens the connection of http and tcp checks; null (the default) connects plainly. Set where two processes
    /// listen on the checked port (SO_REUSEPORT), so that only a connection the process under check accepted counts.
    /// </summary>
    public Func<DnsEndPoint, CancellationToken, ValueTask<Socket>>? Connect { get; init; }

    public async Task<HealthCheckResult> CheckAsync(
        HealthSettings settings,
        IReadOnlyDictionary<string, string> env,
        string workingDirectory,
        Func<CancellationToken, Task<bool>>? isOwnProcessAlive,
        Action<string> log,
        CancellationToken ct)
    {
        if (!settings.IsConfigured)
        {
            return new HealthCheckResult(true, "", "no health check configured", 0);
        }

        string target;
        try
        {
            target = settings.Http is not null ? EnvTemplate.Expand(settings.Http, env)
                : settings.Tcp is not null ? EnvTemplate.Expand(settings.Tcp, env)
                : string.Join(' ', settings.Command!.Select(a => EnvTemplate.Expand(a, env)));
        }
        catch (KeyNotFoundException ex)
        {
            return new HealthCheckResult(false, "", ex.Message, 0);
        }

        using var connected = Connect is { } connect ? ConnectingClient(connect) : null;
        var client = connected ?? http;
        using var timeout = new CancellationTokenSource(settings.Timeout, _clock);
        using var overall = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
        var attempts = 0;
        var lastDetail = "not checked yet";
        try
        {
            while (settings.Retries == 0 || attempts < settings.Retries)
            {
                attempts++;
                if (isOwnProcessAlive is not null && !await isOwnProcessAlive(overall.Token).ConfigureAwait(false))
                {
                    lastDetail = "the new release's process is not running";
                }
                else
                {
                    (var ok, lastDetail) = await AttemptAsync(client, settings, target, env, workingDirectory, overall.Token).ConfigureAwait(false);
                    if (ok)
                    {
                        log($"health: {target} passed after {attempts} attempt(s): {lastDetail}");
                        return new HealthCheckResult(true, target, lastDetail, attempts);
                    }
                }

                if (attempts == 1 || attempts % 10 == 0)
                {
                    log($"health: {target} not healthy yet ({lastDetail})");
                }

                await Task.Delay(settings.Interval, _clock, overall.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new HealthCheckResult(false, target, $"timed out after {settings.Timeout.TotalSeconds:0.#}s and {attempts} attempt(s): {lastDetail}", attempts);
        }

        return new HealthCheckResult(false, target, $"failed {attempts} attempt(s): {lastDetail}", attempts);
    }

    /// <summary>An HTTP client whose connections come from <paramref name="connect"/>; the attempt's own limit bounds each request.</summary>
    private static HttpClient ConnectingClient(Func<DnsEndPoint, CancellationToken, ValueTask<Socket>> connect) =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) => new NetworkStream(await connect(context.DnsEndPoint, ct).ConfigureAwait(false), ownsSocket: true),
        })
        { Timeout = Timeout.InfiniteTimeSpan };

    private async Task<(bool Ok, string Detail)> AttemptAsync(
        HttpClient httpClient, HealthSettings settings, string target, IReadOnlyDictionary<string, string> env, string cwd, CancellationToken ct)
    {
        using var limit = new CancellationTokenSource(AttemptTimeout, _clock);
        using var attempt = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        try
        {
            if (settings.Http is not null)
            {
                using var response = await httpClient.GetAsync(target, attempt.Token).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(attempt.Token).ConfigureAwait(false);
                var code = (int)response.StatusCode;
                if (code is < 200 or > 299)
                {
                    return (false, $"HTTP {code}");
                }

                if (settings.Expect is not null && !body.Contains(EnvTemplate.Expand(settings.Expect, env), StringComparison.Ordinal))
                {
                    return (false, $"HTTP {code} but the body does not contain '{settings.Expect}'");
                }

                return (true, $"HTTP {code}");
            }

            if (settings.Tcp is not null)
            {
                var colon = target.LastIndexOf(':');
                if (colon <= 0 || !int.TryParse(target[(colon + 1)..], out var port))
                {
                    return (false, $"'{target}' is not host:port");
                }

                if (Connect is { } connect)
                {
                    using var socket = await connect(new DnsEndPoint(target[..colon].Trim('[', ']'), port), attempt.Token).ConfigureAwait(false);
                    return (true, "connected");
                }

                using var client = new TcpClient();
                await client.ConnectAsync(target[..colon], port, attempt.Token).ConfigureAwait(false);
                return (true, "connected");
            }

            var args = settings.Command!.Select(a => EnvTemplate.Expand(a, env)).ToList();
            var spec = new ProcessSpec(args[0], args.Skip(1).ToList())
            {
                WorkingDirectory = cwd,
                Environment = env.ToDictionary(p => p.Key, p => (string?)p.Value),
                Timeout = settings.Timeout,
            };
            var result = await ProcessRunner.RunAsync(spec, null, ct).ConfigureAwait(false);
            return (result.Succeeded, result.TimedOut ? "command timed out" : $"exit code {result.ExitCode}");
        }
        catch (HttpRequestException ex)
        {
            return (false, ex.Message);
        }
        catch (SocketException ex)
        {
            return (false, ex.Message);
        }
        catch (IOException ex)
        {
            // Connect's own verdict, such as "the port is held by another process".
            return (false, ex.Message);
        }
        catch (ProcessStartException ex)
        {
            return (false, ex.Message);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return (false, $"no answer within {AttemptTimeout.TotalSeconds:0.#}s");
        }
    }
}
