using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Akd.Agent.Observability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Akd.Agent.Tests.Observability;

/// <summary>
/// The agent's <c>--metrics-port</c> endpoint on a real loopback socket: what a Prometheus scraper reads after the agent
/// recorded steps, phases and bytes, and what it answers anything else.
/// </summary>
public sealed class MetricsEndpointTests : IAsyncLifetime
{
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private PrometheusMetrics _prometheus = null!;
    private MetricsEndpoint _endpoint = null!;
    private AgentMetrics _metrics = null!;

    public async Task InitializeAsync()
    {
        var meters = _services.GetRequiredService<IMeterFactory>();
        _prometheus = new PrometheusMetrics(meters);
        _metrics = new AgentMetrics(meters);
        _endpoint = new MetricsEndpoint(_prometheus, 0, NullLogger<MetricsEndpoint>.Instance);
        await _endpoint.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        await _endpoint.StopAsync(CancellationToken.None);
        _endpoint.Dispose();
        _prometheus.Dispose();
        await _services.DisposeAsync();
    }

    [Fact(Timeout = 30_000)]
    public async Task Get_AfterStepsPhasesAndBytes_ServesTheTotalsInThePrometheusTextFormat()
    {
        // Arrange
        _metrics.StepEnded("activate", ok: true, TimeSpan.FromSeconds(0.3));
        _metrics.StepEnded("activate", ok: false, TimeSpan.FromSeconds(700));
        _metrics.PhaseEnded("activate", "health", TimeSpan.FromSeconds(2));
        _metrics.ArtifactBytes("in", 1000);
        _metrics.ArtifactBytes("in", 234);
        _metrics.ArtifactBytes("out", 5, "peer");
        _metrics.SetConnected(true);

        // Act
        using var http = new HttpClient();
        using var response = await http.GetAsync($"http://127.0.0.1:{_endpoint.Port}/metrics");
        var text = await response.Content.ReadAsStringAsync();

        // Assert: the names and labels the OpenTelemetry exporter gave them, cumulative buckets, and the gauge read at scrape time.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        var lines = text.Split('\n');
        Assert.Contains("# TYPE akd_agent_steps_total counter", lines);
        Assert.Contains("akd_agent_steps_total{step=\"activate\",result=\"ok\"} 1", lines);
        Assert.Contains("akd_agent_steps_total{step=\"activate\",result=\"failed\"} 1", lines);
        Assert.Contains("# TYPE akd_agent_step_duration_seconds histogram", lines);
        Assert.Contains("akd_agent_step_duration_seconds_bucket{step=\"activate\",result=\"ok\",le=\"0.25\"} 0", lines);
        Assert.Contains("akd_agent_step_duration_seconds_bucket{step=\"activate\",result=\"ok\",le=\"0.5\"} 1", lines);
        Assert.Contains("akd_agent_step_duration_seconds_bucket{step=\"activate\",result=\"ok\",le=\"1800\"} 1", lines);
        Assert.Contains("akd_agent_step_duration_seconds_bucket{step=\"activate\",result=\"failed\",le=\"600\"} 0", lines);
        Assert.Contains("akd_agent_step_duration_seconds_bucket{step=\"activate\",result=\"failed\",le=\"+Inf\"} 1", lines);
        Assert.Contains("akd_agent_step_duration_seconds_sum{step=\"activate\",result=\"ok\"} 0.3", lines);
        Assert.Contains("akd_agent_step_duration_seconds_count{step=\"activate\",result=\"ok\"} 1", lines);
        Assert.Contains("akd_agent_phase_duration_seconds_count{step=\"activate\",phase=\"health\"} 1", lines);
        Assert.Contains("akd_agent_artifact_bytes_total{direction=\"in\",source=\"coordinator\"} 1234", lines);
        Assert.Contains("akd_agent_artifact_bytes_total{direction=\"out\",source=\"peer\"} 5", lines);
        Assert.Contains("akd_agent_connected 1", lines);
        Assert.Contains("# TYPE akd_agent_lock_waits_total counter", lines);
    }

    [Fact(Timeout = 30_000)]
    public async Task Get_LabelValueWithQuoteBackslashAndNewline_IsEscaped()
    {
        // Arrange
        _metrics.PhaseEnded("build", "a\"b\\c\nd", TimeSpan.FromSeconds(1));

        // Act
        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{_endpoint.Port}/metrics");

        // Assert: still one sample per line, the value readable back by a Prometheus parser.
        Assert.Contains("akd_agent_phase_duration_seconds_count{step=\"build\",phase=\"a\\\"b\\\\c\\nd\"} 1", text.Split('\n'));
    }

    [Theory(Timeout = 30_000)]
    [InlineData("GET", "/", HttpStatusCode.NotFound)]
    [InlineData("GET", "/metrics/../etc/passwd", HttpStatusCode.NotFound)]
    [InlineData("POST", "/metrics", HttpStatusCode.MethodNotAllowed)]
    public async Task Send_AnythingButGetMetrics_IsRefused(string method, string path, HttpStatusCode expected)
    {
        // Act
        var (status, body) = await RawAsync($"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");

        // Assert
        Assert.StartsWith($"HTTP/1.1 {(int)expected} ", status, StringComparison.Ordinal);
        Assert.DoesNotContain("akd_agent_", body, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task Send_HeadersLargerThanTheLimit_ClosedWithoutAnAnswer()
    {
        // Act: a request whose headers never end within the limit.
        var (status, _) = await RawAsync("GET /metrics HTTP/1.1\r\nX-Padding: " + new string('a', MetricsEndpoint.MaxRequestBytes) + "\r\n\r\n");

        // Assert
        Assert.Equal("", status);
    }

    [Fact(Timeout = 30_000)]
    public async Task Get_AnotherMetersInstruments_AreNotServed()
    {
        // Arrange: a meter of the same name from another factory (another host in the same process, as tests are).
        using var other = new ServiceCollection().AddMetrics().BuildServiceProvider();
        new AgentMetrics(other.GetRequiredService<IMeterFactory>()).StepEnded("elsewhere", ok: true, TimeSpan.FromSeconds(1));

        // Act
        using var http = new HttpClient();
        var text = await http.GetStringAsync($"http://127.0.0.1:{_endpoint.Port}/metrics");

        // Assert
        Assert.DoesNotContain("elsewhere", text, StringComparison.Ordinal);
    }

    /// <summary>Sends raw bytes and reads the answer until the server closes: (status line, body), "" when it answered nothing.</summary>
    private async Task<(string Status, string Body)> RawAsync(string request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, _endpoint.Port);
        var stream = client.GetStream();
        try
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        }
        catch (IOException)
        {
            // The server may close before it read everything (the oversized case).
        }

        using var answer = new MemoryStream();
        try
        {
            await stream.CopyToAsync(answer);
        }
        catch (IOException)
        {
            // A reset after the server closed with unread bytes: what it sent before is in the buffer.
        }

        var text = Encoding.UTF8.GetString(answer.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return split < 0 ? (text, "") : (text[..text.IndexOf("\r\n", StringComparison.Ordinal)], text[(split + 4)..]);
    }
}
