using Akd.Core.Manifest;
using YamlDotNet.RepresentationModel;

namespace Akd.Manifest;

/// <summary>Looks up a mapping's values by their plain key text.</summary>
internal sealed class MappingView(YamlMappingNode node)
{
    public YamlMappingNode Node => node;

    public YamlNode? this[string key] => Find(key)?.Value;

    /// <summary>The key node itself, to point errors about a whole entry at its key.</summary>
    public YamlNode? KeyNode(string key) => Find(key)?.Key;

    private KeyValuePair<YamlNode, YamlNode>? Find(string key)
    {
        foreach (var entry in node.Children)
        {
            if (entry.Key is YamlScalarNode { Value: { } name } && name == key)
            {
                return entry;
            }
        }

        return null;
    }
}
