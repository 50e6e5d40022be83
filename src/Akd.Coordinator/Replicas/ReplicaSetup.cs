using Akd.Coordinator.Agents.Routing;
using Akd.Coordinator.Storage;

namespace Akd.Coordinator.Replicas;

internal static class ReplicaSetup
{
    public static IServiceCollection AddReplicas(this IServiceCollection services)
    {
        services.AddSingleton<ReplicaIdentity>();
        services.AddSingleton<ReplicaStore>();
        services.AddSingleton<ReplicaPresence>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplicaPresence>());
        services.AddSingleton<RouteStore>();
        services.AddSingleton<ReplicaRouter>();
        services.AddHostedService(sp => sp.GetRequiredService<ReplicaRouter>());
        return services;
    }
}
