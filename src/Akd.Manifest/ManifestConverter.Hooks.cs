using Akd.Core.Manifest;
using Akd.Manifest.Schema;
using YamlDotNet.RepresentationModel;

namespace Akd.Manifest;

/// <summary>The <c>hooks:</c> list.</summary>
internal sealed partial class ManifestConverter
{
    private static readonly (string, HookStage)[] Stages = ManifestModel.Stages;

    private IReadOnlyList<HookSpec> Hooks(YamlNode? node)
    {
        if (NodeReader.IsNull(node))
        {
            return [];
        }

        if (node is not YamlSequenceNode sequence)
        {
            reader.Error(node!, "hooks", $"expected a list of hooks (each with name, at, run), got {NodeReader.Describe(node!)}");
            return [];
        }

        var hooks = new List<HookSpec>();
        var names = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            var path = $"hooks[{i}]";
            if (item is not YamlMappingNode)
            {
                reader.Error(item, path, $"expected a hook mapping with keys name, at, run, got {NodeReader.Describe(item)}");
                continue;
            }

            if (Hook(item, path, names) is { } hook)
            {
                hooks.Add(hook);
            }
        }

        return hooks;
    }

    private HookSpec? Hook(YamlNode item, string path, Dictionary<string, YamlNode> names)
    {
        var map = reader.Map(item, path, ManifestModel.Hook.Keys)!;
        var name = Required(map, "name", path, "a hook name such as migrate", reader.String);
        if (name is not null && !names.TryAdd(name, map["name"]!))
        {
            var first = names[name].Start;
            reader.Error(map["name"]!, Child(path, "name"), $"duplicate hook name '{name}' (first used at line {first.Line})");
        }

        var at = Required(map, "at", path, $"one of {string.Join(", ", Stages.Select(s => s.Item1))}", (n, p) => reader.Choice(n, p, Stages));
        var run = Required(map, "run", path, "a command as a list of strings, or a list of such commands", reader.Commands);
        if (run is { Count: 0 })
        {
            reader.Error(map["run"]!, Child(path, "run"), "expected at least one command");
        }

        var ensure = reader.Commands(map["ensure"], Child(path, "ensure"));
        var rollback = reader.Commands(map["rollback"], Child(path, "rollback"));
        var ignoreFailure = reader.Bool(map["ignore_failure"], Child(path, "ignore_failure"));
        if (name is null || at is null || run is null)
        {
            return null;
        }

        return new HookSpec
        {
            Name = name,
            At = at.Value,
            Run = run,
            Ensure = ensure ?? [],
            Rollback = rollback ?? [],
            IgnoreFailure = ignoreFailure ?? false,
        };
    }

    private T? Required<T>(MappingView map, string key, string path, string expected, Func<YamlNode?, string, T?> read)
    {
        var node = map[key];
        if (NodeReader.IsNull(node))
        {
            reader.Error(map.KeyNode(key) ?? map.Node, Child(path, key), $"required: {expected}");
            return default;
        }

        return read(node, Child(path, key));
    }

    private static string Child(string path, string key) => NodeReader.Child(path, key);
}
