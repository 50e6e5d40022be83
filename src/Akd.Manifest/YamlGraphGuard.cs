using Akd.Core.Manifest;
using YamlDotNet.RepresentationModel;

namespace Akd.Manifest;

/// <summary>
/// Refuses YAML graphs that would make any later walk of the manifest blow up: an alias that
/// refers to a node containing itself (a cycle, which recursion follows forever), nesting deeper
/// than any real manifest, and alias chains that expand to more nodes than a manifest can hold
/// ("billion laughs"). Aliases are shared nodes, so the walk counts every path, as a reader would.
/// </summary>
internal static class YamlGraphGuard
{
    /// <summary>Deeper than any manifest key path (the deepest, hooks.N.run.N, is 4).</summary>
    public const int MaxDepth = 64;

    /// <summary>Nodes a manifest may expand to, aliases counted each time they are used.</summary>
    public const int MaxExpandedNodes = 100_000;

    /// <summary>Returns the first problem found, or null when the graph is safe to walk.</summary>
    public static ManifestError? Check(YamlNode root, string file)
    {
        var onPath = new HashSet<YamlNode>(ReferenceEqualityComparer.Instance);
        var visited = 0;
        var pending = new Stack<(YamlNode Node, int Depth, bool Leaving)>();
        pending.Push((root, 1, false));
        while (pending.Count > 0)
        {
            var (node, depth, leaving) = pending.Pop();
            if (leaving)
            {
                onPath.Remove(node);
                continue;
            }

            if (!onPath.Add(node))
            {
                return At(node, file, "an alias refers to a node that contains it (a recursive anchor); a manifest must be a tree");
            }

            if (depth > MaxDepth)
            {
                return At(node, file, $"the manifest nests deeper than {MaxDepth} levels");
            }

            if (++visited > MaxExpandedNodes)
            {
                return At(node, file, $"aliases expand the manifest to more than {MaxExpandedNodes} nodes");
            }

            pending.Push((node, depth, true));
            foreach (var child in Children(node))
            {
                pending.Push((child, depth + 1, false));
            }
        }

        return null;
    }

    private static IEnumerable<YamlNode> Children(YamlNode node) => node switch
    {
        YamlMappingNode mapping => mapping.Children.SelectMany(pair => new[] { pair.Key, pair.Value }),
        YamlSequenceNode sequence => sequence.Children,
        _ => [],
    };

    private static ManifestError At(YamlNode node, string file, string message) =>
        new(file, (int)node.Start.Line, (int)node.Start.Column, $"invalid YAML: {message}");
}
