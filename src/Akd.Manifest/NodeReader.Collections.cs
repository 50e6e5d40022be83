using Akd.Core.Manifest;
using System.Text.RegularExpressions;
using Akd.Manifest.Schema;
using YamlDotNet.RepresentationModel;

namespace Akd.Manifest;

/// <summary>Commands, label selectors and env maps.</summary>
internal sealed partial class NodeReader
{
    private const string CommandExample = "[\"bin/app\", \"eval\", \"App.Release.migrate()\"]";

    /// <summary>One command as an argument array; never a shell string.</summary>
    public IReadOnlyList<string>? Command(YamlNode? node, string path)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is not YamlSequenceNode sequence)
        {
            Error(node!, path, $"expected a command as a list of strings such as {CommandExample}, got {Describe(node!)}");
            return null;
        }

        if (sequence.Children.Count == 0)
        {
            Error(sequence, path, $"expected a command as a non-empty list of strings such as {CommandExample}");
            return null;
        }

        var args = new List<string>();
        var ok = true;
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            if (item is YamlScalarNode { Value: { } arg } && !IsNull(item) && (i > 0 || arg.Length > 0))
            {
                args.Add(arg);
            }
            else
            {
                Error(item, $"{path}[{i}]", i == 0 ? $"expected the program to run, got {Describe(item)}" : $"expected a string argument, got {Describe(item)}");
                ok = false;
            }
        }

        return ok ? args : null;
    }

    /// <summary>One command (a list of strings) or a list of commands (a list of such lists); [] means none.</summary>
    public IReadOnlyList<IReadOnlyList<string>>? Commands(YamlNode? node, string path)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is not YamlSequenceNode sequence)
        {
            Error(node!, path, $"expected a command as a list of strings such as {CommandExample}, or a list of such commands, got {Describe(node!)}");
            return null;
        }

        if (sequence.Children.Count == 0)
        {
            return [];
        }

        if (sequence.Children[0] is not YamlSequenceNode)
        {
            return Command(sequence, path) is { } single ? [single] : null;
        }

        var commands = new List<IReadOnlyList<string>>();
        var ok = true;
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            if (Command(sequence.Children[i], $"{path}[{i}]") is { } command)
            {
                commands.Add(command);
            }
            else
            {
                if (IsNull(sequence.Children[i]))
                {
                    Error(sequence.Children[i], $"{path}[{i}]", "expected a command as a list of strings, got nothing");
                }

                ok = false;
            }
        }

        return ok ? commands : null;
    }

    /// <summary>A non-empty mapping of scalar labels, matched against the agents' labels (from their enrollment).</summary>
    public LabelSelector? Labels(YamlNode? node, string path)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            Error(node!, path, $"expected a label selector such as {{ role: web }}, got {Describe(node!)}");
            return null;
        }

        if (mapping.Children.Count == 0)
        {
            Error(mapping, path, "expected at least one label, such as { role: web }; an empty selector would match every agent");
            return null;
        }

        var labels = new List<KeyValuePair<string, string>>();
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { Length: > 0 } name } || name.Contains('=') || name.Contains(','))
            {
                Error(key, path, $"expected a label name without '=' or ',', got {Describe(key)}");
            }
            else if (IsNull(value) || value is not YamlScalarNode { Value: { Length: > 0 } text } || text.Contains(','))
            {
                Error(value, Child(path, name), $"expected a label value (a non-empty string without ','), got {Describe(value)}");
            }
            else
            {
                labels.Add(new(name, text));
            }
        }

        return labels.Count == mapping.Children.Count ? new LabelSelector(labels) : null;
    }

    /// <summary>Environment variables; any scalar value is taken as its text, and a null value unsets the variable.</summary>
    public IReadOnlyDictionary<string, string>? EnvMap(YamlNode? node, string path)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            Error(node!, path, $"expected a mapping of variable names to values such as {{ PORT: \"4000\" }}, got {Describe(node!)}");
            return null;
        }

        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { } name } || !EnvName().IsMatch(name))
            {
                Error(key, path, $"expected an environment variable name matching [A-Za-z_][A-Za-z0-9_]*, got {Describe(key)}");
            }
            else if (IsNull(value))
            {
                continue;
            }
            else if (value is YamlScalarNode { Value: { } text })
            {
                env[name] = text;
            }
            else
            {
                Error(value, Child(path, name), $"expected a scalar value, got {Describe(value)}");
            }
        }

        return env;
    }

    [GeneratedRegex(ManifestModel.EnvNamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex EnvName();
}
