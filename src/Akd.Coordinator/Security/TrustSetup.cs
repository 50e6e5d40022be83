using Akd.Coordinator.Enrollment;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Security;

/// <summary>Identity for every call: the interceptor, the stores and services behind it, and the first-start admin token.</summary>
internal static class TrustSetup
{
    public static void AddTrust(this IServiceCollection services)
    {
        services.AddSingleton<IdentityStore>();
        services.AddSingleton<OperatorTokenStore>();
        services.AddSingleton<ArtifactUploadStore>();
        services.AddSingleton<ArtifactDeliveryStore>();
        services.AddSingleton<OperatorTokens>();
        services.AddSingleton<AgentIdentities>();
        services.AddHostedService<IdentitySync>();
        services.AddSingleton<CertificateRenewal>();
        services.AddSingleton<AuthInterceptor>();
        services.AddHostedService<TrustBootstrap>();
    }

    public static void MapTrust(this WebApplication app)
    {
        app.MapGrpcService<EnrollmentService>();
        app.MapGrpcService<AgentAccessService>();
        app.MapGrpcService<TokensService>();
    }

    /// <summary>Writes the bootstrap admin token before the coordinator takes calls.</summary>
    private sealed class TrustBootstrap(OperatorTokens tokens, AgentIdentities identities, Replicas.ReplicaIdentity replica, Database database) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            // Only replicas of a shared store say which one wrote the token: an embedded store has one coordinator.
            await tokens.BootstrapAsync(database.Engine == "postgres" ? replica.Id : "", cancellationToken).ConfigureAwait(false);
            await identities.EnsureLoadedAsync(cancellationToken).ConfigureAwait(false);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
