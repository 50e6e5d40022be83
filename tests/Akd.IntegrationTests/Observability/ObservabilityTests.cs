using System.Net;
using System.Net.Http.Headers;
using Akd.IntegrationTests.Fleet;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Xunit.Abstractions;

namespace Akd.IntegrationTests.Observability;

/// <summary>
/// A coordinator with tokens and a web agent with <c>--metrics-port</c>: health answers anyone,
/// reflection and <c>/metrics</c> only a caller with the control token, and the counters move with a real deploy.
/// </summary>
public sealed class ObservabilityTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly int _agentMetricsPort = Ports.Free();
    private LocalFleet _fleet = null!;

    public async Task InitializeAsync() => _fleet = await LocalFleet.StartAsync(webAgents: 1, CancellationToken.None,
        webAgentEnv: new Dictionary<string, string> { ["AKD_Agent__MetricsPort"] = _agentMetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public async Task DisposeAsync()
    {
        output.WriteLine(_fleet.Logs());
        await _fleet.DisposeAsync();
    }

    [Fact(Timeout = 600_000)]
    public async Task Metrics_AfterARealDeploy_CountersAndHistogramsMoved()
    {
        // Arrange
        var app = HelloApp.CopyTo(_fleet.Root);
        var before = await ScrapeCoordinatorAsync(_fleet.AdminToken);

        // Act
        var deploy = await _fleet.AkdctlAsync(app.Dir, TimeSpan.FromMinutes(5), "deploy", "-f", app.Manifest);
        output.WriteLine(deploy.ToString());
        var after = await ScrapeCoordinatorAsync(_fleet.AdminToken);
        var agent = new PrometheusText(await Plain.GetStringAsync($"http://127.0.0.1:{_agentMetricsPort}/metrics"));
        output.WriteLine(after.Text);
        output.WriteLine(agent.Text);

        // Assert: deploy ends with one verdict line (not the event's and the summary's), and status shows - for no release.
        Assert.Single(deploy.StdOut.Split('\n'), l => l.Contains(" succeeded: ", StringComparison.Ordinal) && l.Contains("deployment ", StringComparison.Ordinal));
        var status = await _fleet.AkdctlAsync(app.Dir, TimeSpan.FromSeconds(30), "status");
        output.WriteLine(status.ToString());
        Assert.Matches(new System.Text.RegularExpressions.Regex($@"(?m)^\s*{_fleet.BuildAgentName}\s+build\s+succeeded\s+-\s"), status.StdOut);

        // Assert: the coordinator counted the deployment, its two steps, their phases and the artifacts it moved.
        CliAssert.Succeeded(deploy);
        Assert.Equal(0, before.Sum("akd_deployments_total"));
        Assert.Equal(1, after.Sum("akd_deployments_total", ("kind", "deploy"), ("result", "succeeded")));
        Assert.Equal(1, after.Sum("akd_steps_total", ("step", "build"), ("result", "ok")));
        Assert.Equal(1, after.Sum("akd_steps_total", ("step", "activate"), ("result", "ok")));
        Assert.Equal(1, after.Sum("akd_step_duration_seconds_count", ("step", "activate"), ("result", "ok")));
        Assert.True(after.Sum("akd_step_duration_seconds_sum", ("step", "build")) > 0);
        Assert.True(after.Sum("akd_phase_duration_seconds_count", ("step", "activate")) > 0);
        Assert.True(after.Sum("akd_artifact_bytes_total", ("direction", "in"), ("source", "coordinator")) > 0);
        Assert.True(after.Sum("akd_artifact_bytes_total", ("direction", "out"), ("source", "coordinator")) > 0);
        Assert.True(after.Sum("akd_store_operation_duration_seconds_count") > before.Sum("akd_store_operation_duration_seconds_count"));
        Assert.Equal(2, after.Sum("akd_agents_connected"));

        // Assert: the web agent counted its own step and the release it downloaded.
        Assert.Equal(1, agent.Sum("akd_agent_steps_total", ("step", "activate"), ("result", "ok")));
        Assert.True(agent.Sum("akd_agent_phase_duration_seconds_count", ("step", "activate")) > 0);
        Assert.True(agent.Sum("akd_agent_artifact_bytes_total", ("direction", "in")) > 0);
        Assert.Equal(1, agent.Sum("akd_agent_connected"));
    }

    [Fact(Timeout = 600_000)]
    public async Task Metrics_FailedBuildAndALockedDeploy_AreCounted_AndDeployQuotesMixsCause()
    {
        // Arrange: examples/hello defines the release :hello only; this manifest asks for another.
        var app = HelloApp.CopyTo(_fleet.Root);
        var bad = app.WriteManifest("akd.nosuchapp.yaml", File.ReadAllText(app.Manifest).Replace("app: hello", "app: nosuchapp", StringComparison.Ordinal));

        // Act: the failed build; then a deploy started in the background and a second one that finds it holding the lock.
        var failed = await _fleet.AkdctlAsync(app.Dir, TimeSpan.FromMinutes(5), "deploy", "-f", bad);
        output.WriteLine(failed.ToString());
        var first = await _fleet.AkdctlAsync(app.Dir, TimeSpan.FromMinutes(1), "deploy", "-f", app.Manifest, "--detach");
        var second = await _fleet.AkdctlAsync(app.Dir, TimeSpan.FromMinutes(1), "deploy", "-f", app.Manifest);
        output.WriteLine(first.ToString());
        output.WriteLine(second.ToString());
        var id = System.Text.RegularExpressions.Regex.Match(first.StdOut, @"deployment (\S+) started").Groups[1].Value;
        var followed = await _fleet.AkdctlAsync(app.Dir, TimeSpan.FromMinutes(5), "logs", id, "-f");
        var metrics = await ScrapeCoordinatorAsync(_fleet.AdminToken);
        output.WriteLine(metrics.Text);

        // Assert: the step error itself quotes Mix, not only the streamed log.
        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("build on", failed.StdOut + failed.StdErr);
        Assert.Matches(@"deployment \S+ failed: build on .*Unknown release :nosuchapp", failed.StdOut);
        CliAssert.Succeeded(first);
        Assert.NotEqual(0, second.ExitCode);
        Assert.Contains("is locked by deploy", second.StdErr);
        CliAssert.Succeeded(followed);
        Assert.Equal(1, metrics.Sum("akd_deployments_total", ("kind", "deploy"), ("result", "failed")));
        Assert.Equal(1, metrics.Sum("akd_steps_total", ("step", "build"), ("result", "failed")));
        Assert.Equal(1, metrics.Sum("akd_deploy_lock_waits_total", ("kind", "deploy")));
    }

    [Fact(Timeout = 120_000)]
    public async Task Metrics_WithoutOrWithWrongToken_IsRefused()
    {
        // Act
        using var none = await GetCoordinatorMetricsAsync(token: null);
        using var wrong = await GetCoordinatorMetricsAsync(token: "not-the-token");

        // Assert
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
    }

    [Fact(Timeout = 120_000)]
    public async Task HealthCheck_WithoutAnyToken_IsServing()
    {
        // Arrange
        using var channel = new TestChannel(_fleet.CoordinatorUrl, _fleet.CaFile);
        var health = new Health.HealthClient(channel.Invoker);

        // Act
        var reply = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(30));

        // Assert
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact(Timeout = 120_000)]
    public async Task Reflection_WithTheControlToken_ListsAndDescribesTheApi_WithoutIsRefused()
    {
        // Arrange
        using var channel = new TestChannel(_fleet.CoordinatorUrl, _fleet.CaFile);
        var reflection = new ServerReflection.ServerReflectionClient(channel.Invoker);
        var authorized = new Metadata { { "authorization", $"Bearer {_fleet.AdminToken}" } };

        // Act
        var services = await AskAsync(reflection, new ServerReflectionRequest { ListServices = "" }, authorized);
        var control = await AskAsync(reflection, new ServerReflectionRequest { FileContainingSymbol = "akd.v1.Control" }, authorized);
        var refused = await Assert.ThrowsAsync<RpcException>(() => AskAsync(reflection, new ServerReflectionRequest { ListServices = "" }, new Metadata()));

        // Assert
        var names = services.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("akd.v1.Control", names);
        Assert.Contains("akd.v1.AgentHub", names);
        Assert.Contains("grpc.health.v1.Health", names);
        Assert.NotEmpty(control.FileDescriptorResponse.FileDescriptorProto);
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    private static readonly HttpClient Plain = new() { Timeout = TimeSpan.FromSeconds(30) };

    private static async Task<ServerReflectionResponse> AskAsync(ServerReflection.ServerReflectionClient client, ServerReflectionRequest request, Metadata headers)
    {
        using var call = client.ServerReflectionInfo(headers, DateTime.UtcNow.AddSeconds(30));
        await call.RequestStream.WriteAsync(request);
        await call.RequestStream.CompleteAsync();
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        return call.ResponseStream.Current;
    }

    private async Task<PrometheusText> ScrapeCoordinatorAsync(string? token)
    {
        using var response = await GetCoordinatorMetricsAsync(token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return new PrometheusText(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The coordinator's port speaks HTTP/2 over TLS with its own CA, as its gRPC clients do.</summary>
    private async Task<HttpResponseMessage> GetCoordinatorMetricsAsync(string? token)
    {
        using var coordinator = new HttpClient(new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = Akd.Contracts.Trust.CaTrust.ServerValidator(Akd.Contracts.Trust.CaTrust.LoadCertificate(_fleet.CaFile), trustSystem: false) },
        }) { Timeout = TimeSpan.FromSeconds(30) };
        var request = new HttpRequestMessage(HttpMethod.Get, $"{_fleet.CoordinatorUrl}/metrics")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await coordinator.SendAsync(request);
    }
}
