using Akd.Core.Manifest;
using Akd.Manifest.Schema;
using YamlDotNet.RepresentationModel;

namespace Akd.Manifest;

/// <summary>One entry of <c>environments:</c>; <see cref="Overlay"/> is null for an empty overlay.</summary>
internal sealed record EnvironmentOverlay(string Name, YamlNode NameNode, YamlMappingNode? Overlay);

/// <summary>Reads <c>environments:</c> and checks what an overlay may not contain.</summary>
internal static class EnvironmentOverlays
{
    /// <summary>Keys that make no sense per environment: the release name is the app's identity.</summary>
    public static readonly string[] Forbidden = ManifestModel.OverlayForbidden;

    public static IReadOnlyList<EnvironmentOverlay> Read(YamlMappingNode root, NodeReader reader)
    {
        var node = new MappingView(root)["environments"];
        if (NodeReader.IsNull(node))
        {
            return [];
        }

        if (node is not YamlMappingNode environments)
        {
            reader.Error(node!, "environments", $"expected a mapping of environment names to overlays, such as {{ staging: {{ deploy: {{ to: {{ env: staging }} }} }} }}, got {NodeReader.Describe(node!)}");
            return [];
        }

        var result = new List<EnvironmentOverlay>();
        foreach (var (key, value) in environments.Children)
        {
            if (key is not YamlScalarNode { Value: { Length: > 0 } name } || NodeReader.IsNull(key))
            {
                reader.Error(key, "environments", $"expected an environment name, got {NodeReader.Describe(key)}");
                continue;
            }

            var path = $"environments.{name}";
            if (NodeReader.IsNull(value))
            {
                result.Add(new EnvironmentOverlay(name, key, null));
                continue;
            }

            if (value is not YamlMappingNode overlay)
            {
                reader.Error(value, path, $"expected a mapping that overlays the manifest, got {NodeReader.Describe(value)}");
                continue;
            }

            foreach (var (overlayKey, _) in overlay.Children)
            {
                if (overlayKey is not YamlScalarNode { Value: { } overlayName })
                {
                    reader.Error(overlayKey, path, $"expected a plain key, got {NodeReader.Describe(overlayKey)}");
                }
                else if (Forbidden.Contains(overlayName, StringComparer.Ordinal))
                {
                    reader.Error(overlayKey, path, $"'{overlayName}' cannot be set per environment");
                }
            }

            result.Add(new EnvironmentOverlay(name, key, overlay));
        }

        return result;
    }
}
