using Akd.Core.Manifest;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Akd.Manifest;

/// <summary>
/// Deep-merges an environment's overlay over the base manifest at the node level, so every value
/// keeps the position it was written at: mappings merge recursively, scalars and lists replace.
/// Nothing is mutated (a node may be shared through an alias); merged mappings are new nodes whose
/// position, recorded in <see cref="Positions"/>, is that of the base mapping.
/// </summary>
internal sealed class YamlOverlay
{
    private readonly Dictionary<YamlNode, Mark> _positions = new(ReferenceEqualityComparer.Instance);

    public IReadOnlyDictionary<YamlNode, Mark> Positions => _positions;

    /// <summary>Merges <paramref name="overlay"/> over <paramref name="target"/>, leaving out the keys in <paramref name="skip"/>.</summary>
    public YamlMappingNode Merge(YamlMappingNode target, YamlMappingNode overlay, IReadOnlyCollection<string> skip) =>
        Merge(target, overlay, skip, depth: 1);

    private YamlMappingNode Merge(YamlMappingNode target, YamlMappingNode overlay, IReadOnlyCollection<string> skip, int depth)
    {
        // YamlGraphGuard refuses recursive anchors before any merge; this guard keeps a future caller
        // that skips it from turning a cyclic overlay into a stack overflow that kills the process.
        if (depth > YamlGraphGuard.MaxDepth)
        {
            throw new InvalidOperationException($"environment overlay nests deeper than {YamlGraphGuard.MaxDepth} levels");
        }

        var merged = new YamlMappingNode();
        _positions[merged] = PositionOf(target);
        var overrides = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var (key, value) in overlay.Children)
        {
            if (key is YamlScalarNode { Value: { } name } && !skip.Contains(name))
            {
                overrides[name] = value;
            }
        }

        foreach (var (key, value) in target.Children)
        {
            var name = (key as YamlScalarNode)?.Value;
            if (name is null || !overrides.Remove(name, out var replacement))
            {
                merged.Add(key, value);
            }
            else if (value is YamlMappingNode baseMap && replacement is YamlMappingNode overlayMap && !ReferenceEquals(baseMap, overlayMap))
            {
                merged.Add(key, Merge(baseMap, overlayMap, [], depth + 1));
            }
            else
            {
                merged.Add(key, replacement);
            }
        }

        foreach (var (key, value) in overlay.Children)
        {
            if (key is YamlScalarNode { Value: { } name } && overrides.ContainsKey(name))
            {
                merged.Add(key, value);
            }
        }

        return merged;
    }

    private Mark PositionOf(YamlNode node) => _positions.TryGetValue(node, out var mark) ? mark : node.Start;
}
