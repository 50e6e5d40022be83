using Akd.Coordinator.Storage;
using Microsoft.Extensions.Options;

namespace Akd.Coordinator.Artifacts;

/// <summary>The artifact store: files under <c>--data-dir</c>, shared through the database when it is PostgreSQL.</summary>
internal static class ArtifactStoreSetup
{
    public static IServiceCollection AddArtifactStore(this IServiceCollection services) =>
        services.AddSingleton(services => new ArtifactStore(
            services.GetRequiredService<IOptions<CoordinatorOptions>>(),
            services.GetRequiredService<Database>() is PostgresDatabase shared
                ? new ArtifactChunkStore(shared, services.GetRequiredService<IOptions<CoordinatorOptions>>(), services.GetRequiredService<TimeProvider>())
                : null));
}
