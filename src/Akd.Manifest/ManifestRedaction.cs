using Akd.Core.Manifest;
using YamlDotNet.RepresentationModel;

namespace Akd.Manifest;

/// <summary>
/// What the build agent gets of a manifest: everything but <c>deploy.env</c> (also in every environment
/// overlay). The values are for the targets; a build host has no business holding them.
/// </summary>
public static class ManifestRedaction
{
    public static string WithoutDeployEnv(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            return yaml;
        }

        RemoveDeployEnv(root);
        if (Child(root, "environments") is YamlMappingNode environments)
        {
            foreach (var overlay in environments.Children.Values.OfType<YamlMappingNode>())
            {
                RemoveDeployEnv(overlay);
            }
        }

        var writer = new StringWriter();
        stream.Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    private static void RemoveDeployEnv(YamlMappingNode node)
    {
        if (Child(node, "deploy") is YamlMappingNode deploy)
        {
            deploy.Children.Remove(new YamlScalarNode("env"));
        }
    }

    private static YamlNode? Child(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;
}
