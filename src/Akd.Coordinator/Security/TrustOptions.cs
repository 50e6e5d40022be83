namespace Akd.Coordinator.Security;

/// <summary>Transport and identity settings, from the "Trust" section and the command line.</summary>
public sealed class TrustOptions
{
    /// <summary>Extra names for the server certificate (<c>--tls-san NAME</c>, repeatable), besides the hosts of <c>--urls</c>.</summary>
    public List<string> TlsSans { get; set; } = [];

    /// <summary>Serve cleartext HTTP/2 (<c>--insecure-plaintext</c>); refused unless every URL is loopback.</summary>
    public bool InsecurePlaintext { get; set; }

    /// <summary>How long the CA the coordinator creates on its first start is valid.</summary>
    public TimeSpan CaLifetime { get; set; } = TimeSpan.FromDays(3650);

    /// <summary>How long the server certificate the coordinator makes for itself is valid; it is remade at start within 30 days of the end.</summary>
    public TimeSpan ServerCertificateLifetime { get; set; } = TimeSpan.FromDays(365);

    /// <summary>How long an agent's client certificate is valid; the agent renews it over its stream after two thirds of that.</summary>
    public TimeSpan AgentCertificateLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How long a join token is valid when <c>--ttl</c> is not given.</summary>
    public TimeSpan JoinTokenDefaultTtl { get; set; } = TimeSpan.FromHours(1);
}
