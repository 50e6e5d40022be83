using System.Net;
using System.Net.Sockets;
using System.Text;
using Akd.Core.Health;
using Akd.Core.Manifest;
using Microsoft.Extensions.Time.Testing;

namespace Akd.Core.Tests.Health;

public sealed class HealthCheckerTests
{
    private static readonly HttpClient Http = new();

    [Fact(Timeout = 30_000)]
    public async Task CheckAsync_HttpAnswers200AfterAWhile_PassesWithExpandedTarget()
    {
        // Arrange: the listener starts only after the first attempts failed.
        var port = Ports.Free();
        var settings = new HealthSettings { Http = "http://127.0.0.1:${PORT}/health", Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromSeconds(10) };
        var env = new Dictionary<string, string> { ["PORT"] = port.ToString() };
        var server = Task.Run(async () =>
        {
            await Task.Delay(500);
            await ServeOnceAsync(port, "200 OK", "ok");
        });

        // Act
        var result = await new HealthChecker(Http).CheckAsync(settings, env, ".", null, _ => { }, CancellationToken.None);

        // Assert
        Assert.True(result.Healthy, result.Detail);
        Assert.Equal($"http://127.0.0.1:{port}/health", result.Target);
        Assert.True(result.Attempts > 1);
        await server;
    }

    [Theory(Timeout = 30_000)]
    [InlineData("http")]
    [InlineData("tcp")]
    public async Task CheckAsync_ConnectGiven_EveryConnectionComesFromItAndItsRefusalIsTheDetail(string kind)
    {
        // Arrange: a listener that would pass the check; Connect refuses every connection to it, as the agent does when
        // another process accepted it (a shared port).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var target = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        var settings = kind == "http"
            ? new HealthSettings { Http = $"http://{target}/", Retries = 2, Interval = TimeSpan.FromMilliseconds(10) }
            : new HealthSettings { Tcp = target, Retries = 2, Interval = TimeSpan.FromMilliseconds(10) };
        var asked = new List<string>();
        var checker = new HealthChecker(Http)
        {
            Connect = (endpoint, _) =>
            {
                asked.Add($"{endpoint.Host}:{endpoint.Port}");
                throw new IOException("taken by pid 42, not by the new VM");
            },
        };

        // Act
        var result = await checker.CheckAsync(settings, new Dictionary<string, string>(), ".", null, _ => { }, CancellationToken.None);

        // Assert
        Assert.False(result.Healthy);
        Assert.Contains("taken by pid 42, not by the new VM", result.Detail);
        Assert.Equal([target, target], asked);
    }

    [Fact(Timeout = 30_000)]
    public async Task CheckAsync_NothingListens_FailsAfterTheTimeoutWithTheLastError()
    {
        var settings = new HealthSettings { Tcp = $"127.0.0.1:{Ports.Free()}", Interval = TimeSpan.FromMilliseconds(100), Timeout = TimeSpan.FromSeconds(1) };

        var result = await new HealthChecker(Http).CheckAsync(settings, new Dictionary<string, string>(), ".", null, _ => { }, CancellationToken.None);

        Assert.False(result.Healthy);
        Assert.Contains("timed out after 1s", result.Detail);
    }

    [Fact(Timeout = 30_000)]
    public async Task CheckAsync_NothingListensWhileTheClockPassesTheTimeout_TimesOutOnThatClock()
    {
        // Arrange: a long timeout on a fake clock (a fake: the test moves time, not the wall clock).
        var clock = new FakeTimeProvider();
        var settings = new HealthSettings { Tcp = $"127.0.0.1:{Ports.Free()}", Interval = TimeSpan.FromSeconds(10), Timeout = TimeSpan.FromMinutes(5) };
        var check = new HealthChecker(Http, clock).CheckAsync(settings, new Dictionary<string, string>(), ".", null, _ => { }, CancellationToken.None);

        // Act: each refused attempt waits for the interval on the fake clock; move it on until the check gives up.
        while (!check.IsCompleted)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            await Task.WhenAny(check, Task.Delay(20));
        }

        var result = await check;

        // Assert: the five minutes passed on the fake clock, attempt after attempt.
        Assert.False(result.Healthy);
        Assert.Contains("timed out after 300s", result.Detail);
        Assert.True(result.Attempts > 2, $"{result.Attempts} attempt(s)");
    }

    [Fact(Timeout = 30_000)]
    public async Task CheckAsync_Http500_IsUnhealthy()
    {
        var port = Ports.Free();
        var settings = new HealthSettings { Http = $"http://127.0.0.1:{port}/", Retries = 1, Timeout = TimeSpan.FromSeconds(5) };
        var server = ServeOnceAsync(port, "500 Internal Server Error", "boom");

        var result = await new HealthChecker(Http).CheckAsync(settings, new Dictionary<string, string>(), ".", null, _ => { }, CancellationToken.None);

        Assert.False(result.Healthy);
        Assert.Contains("HTTP 500", result.Detail);
        await server;
    }

    [Fact(Timeout = 30_000)]
    public async Task CheckAsync_CommandExitCode_DecidesHealth()
    {
        var ok = new HealthSettings { Command = ["sh", "-c", "test \"$APP_MODE\" = live"], Retries = 1 };
        var env = new Dictionary<string, string> { ["APP_MODE"] = "live" };

        var passed = await new HealthChecker(Http).CheckAsync(ok, env, ".", null, _ => { }, CancellationToken.None);
        var failed = await new HealthChecker(Http).CheckAsync(ok, new Dictionary<string, string> { ["APP_MODE"] = "down" }, ".", null, _ => { }, CancellationToken.None);

        Assert.True(passed.Healthy, passed.Detail);
        Assert.False(failed.Healthy);
        Assert.Contains("exit code 1", failed.Detail);
    }

    [Fact(Timeout = 30_000)]
    public async Task CheckAsync_OwnProcessNotRunning_NeverPassesEvenIfThePortAnswers()
    {
        // Arrange: something answers on the port, but it is not the new release.
        var port = Ports.Free();
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var settings = new HealthSettings { Tcp = $"127.0.0.1:{port}", Retries = 3, Interval = TimeSpan.FromMilliseconds(50) };

        // Act
        var result = await new HealthChecker(Http).CheckAsync(settings, new Dictionary<string, string>(), ".", _ => Task.FromResult(false), _ => { }, CancellationToken.None);
        listener.Stop();

        // Assert
        Assert.False(result.Healthy);
        Assert.Contains("not running", result.Detail);
    }

    [Fact(Timeout = 30_000)]
    public async Task CheckAsync_VariableNotSetOnHost_FailsNamingIt()
    {
        var settings = new HealthSettings { Http = "http://127.0.0.1:${PORT}/" };

        var result = await new HealthChecker(Http).CheckAsync(settings, new Dictionary<string, string>(), ".", null, _ => { }, CancellationToken.None);

        Assert.False(result.Healthy);
        Assert.Contains("${PORT}", result.Detail);
    }

    private static async Task ServeOnceAsync(int port, string status, string body)
    {
        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        try
        {
            using var client = await listener.AcceptTcpClientAsync();
            using var stream = client.GetStream();
            var buffer = new byte[4096];
            _ = await stream.ReadAsync(buffer);
            var response = $"HTTP/1.1 {status}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(response));
        }
        finally
        {
            listener.Stop();
        }
    }
}
