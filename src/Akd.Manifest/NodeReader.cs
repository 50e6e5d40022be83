using Akd.Core.Manifest;
using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Akd.Manifest;

/// <summary>
/// Converts YAML nodes to values by hand so that every error says where it is and what was expected.
/// A missing key and an explicit null (<c>~</c>, <c>null</c> or nothing) both mean "not set", which
/// lets an environment overlay unset a value of the base manifest.
/// Every method records its error and returns null, so one pass reports every problem.
/// </summary>
internal sealed partial class NodeReader(string file, ManifestErrorList errors, IReadOnlyDictionary<YamlNode, Mark>? positions = null)
{
    public ManifestErrorList Errors => errors;

    public static string Child(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    public static bool IsNull(YamlNode? node) =>
        node is null
        || node is YamlScalarNode { Style: ScalarStyle.Plain or ScalarStyle.Any, Value: null or "" or "~" or "null" or "Null" or "NULL" };

    public void Error(YamlNode node, string path, string message)
    {
        var at = positions is not null && positions.TryGetValue(node, out var merged) ? merged : node.Start;
        Error((int)at.Line, (int)at.Column, path, message);
    }

    public void Error(int line, int column, string path, string message) =>
        errors.Add(new ManifestError(file, line, column, path.Length == 0 ? message : $"{path}: {message}"));

    public static string Describe(YamlNode node) => node switch
    {
        _ when IsNull(node) => "nothing",
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "an alias",
    };

    /// <summary>A mapping whose keys must all be in <paramref name="allowed"/>; null when not set or not a mapping.</summary>
    public MappingView? Map(YamlNode? node, string path, IReadOnlyList<string> allowed)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is not YamlMappingNode mapping)
        {
            Error(node!, path, $"expected a mapping with keys {string.Join(", ", allowed)}, got {Describe(node!)}");
            return null;
        }

        var view = new MappingView(mapping);
        foreach (var (key, _) in mapping.Children)
        {
            if (key is not YamlScalarNode { Value: { } name })
            {
                Error(key, path, $"expected a plain key, got {Describe(key)}");
            }
            else if (!allowed.Contains(name, StringComparer.Ordinal))
            {
                Error(key, path, UnknownKey(name, allowed));
            }
        }

        return view;
    }

    public static string UnknownKey(string name, IReadOnlyList<string> allowed) =>
        $"unknown key '{name}'; expected one of {string.Join(", ", allowed)}";

    /// <summary>A non-empty string from any scalar.</summary>
    public string? String(YamlNode? node, string path)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is not YamlScalarNode { Value: { } value })
        {
            Error(node!, path, $"expected a string, got {Describe(node!)}");
            return null;
        }

        if (value.Length == 0)
        {
            Error(node, path, "expected a non-empty string");
            return null;
        }

        return value;
    }

    public int? Int(YamlNode? node, string path, int min)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } text }
            && int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            && value >= min)
        {
            return value;
        }

        Error(node!, path, $"expected an integer >= {min}, got {Describe(node!)}");
        return null;
    }

    public bool? Bool(YamlNode? node, string path)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } text } && bool.TryParse(text, out var value))
        {
            return value;
        }

        Error(node!, path, $"expected true or false, got {Describe(node!)}");
        return null;
    }

    /// <summary>true or false (as YAML's core schema spells them), or one of <paramref name="words"/>.</summary>
    public T? Switch<T>(YamlNode? node, string path, T off, T on, IReadOnlyList<(string Name, T Value)> words)
        where T : struct
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } text })
        {
            if (bool.TryParse(text, out var value))
            {
                return value ? on : off;
            }

            foreach (var (name, word) in words)
            {
                if (name == text)
                {
                    return word;
                }
            }
        }

        Error(node!, path, $"expected true, false or {string.Join(", ", words.Select(o => o.Name))}, got {Describe(node!)}");
        return null;
    }

    public T? Choice<T>(YamlNode? node, string path, IReadOnlyList<(string Name, T Value)> options)
        where T : struct
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } text })
        {
            foreach (var (name, value) in options)
            {
                if (name == text)
                {
                    return value;
                }
            }
        }

        Error(node!, path, $"expected one of {string.Join(", ", options.Select(o => o.Name))}, got {Describe(node!)}");
        return null;
    }

    /// <summary>A duration; <paramref name="allowZero"/> false means it must be greater than zero.</summary>
    public TimeSpan? Duration(YamlNode? node, string path, bool allowZero)
    {
        if (IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } text } && DurationParser.TryParse(text, out var value) && (allowZero || value > TimeSpan.Zero))
        {
            return value;
        }

        var expected = allowZero ? DurationParser.Expected : $"{DurationParser.Expected}, greater than zero";
        Error(node!, path, $"expected {expected}, got {Describe(node!)}");
        return null;
    }
}
