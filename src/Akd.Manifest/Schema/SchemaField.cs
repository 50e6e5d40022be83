using Akd.Core.Manifest;
namespace Akd.Manifest.Schema;

/// <summary>
/// One value of <c>akd.yaml</c> as the model describes it. The loader takes its keys, choices and
/// patterns from these; <see cref="ManifestJsonSchema"/> renders the same tree as a JSON Schema.
/// Every field may also be null: in the manifest, null means "not set" (and lets an overlay unset a value).
/// </summary>
internal abstract record SchemaField(string Description);

/// <summary>A key of a mapping and what its value must be.</summary>
internal sealed record SchemaProperty(string Key, SchemaField Field);

/// <summary>A mapping with a fixed set of keys.</summary>
/// <param name="Exclusive">Keys of which at most one may be set.</param>
/// <param name="Dependent">A key that is only allowed together with another one (key, needs).</param>
internal sealed record ObjectField(
    string Description,
    IReadOnlyList<SchemaProperty> Properties,
    IReadOnlyList<string>? Required = null,
    IReadOnlyList<string>? Exclusive = null,
    IReadOnlyList<(string Key, string Needs)>? Dependent = null) : SchemaField(Description)
{
    public IReadOnlyList<string> Keys { get; } = [.. Properties.Select(p => p.Key)];

    public SchemaField this[string key] => Properties.Single(p => p.Key == key).Field;
}

/// <summary>A non-empty string, optionally matching an ECMA-262/.NET regular expression.</summary>
internal sealed record StringField(string Description, string? Pattern = null) : SchemaField(Description);

/// <summary>One of a fixed set of words.</summary>
internal sealed record ChoiceField(string Description, IReadOnlyList<string> Names) : SchemaField(Description);

internal sealed record IntegerField(string Description, int Minimum) : SchemaField(Description);

internal sealed record BooleanField(string Description) : SchemaField(Description);

/// <summary>true, false, or one of a fixed set of words that name further settings (<c>deploy.start_overlap</c>).</summary>
internal sealed record SwitchField(string Description, IReadOnlyList<string> Words) : SchemaField(Description);

/// <summary><c>500ms</c>, <c>30s</c>, <c>2m</c>, <c>1h</c> or whole seconds.</summary>
internal sealed record DurationField(string Description, bool AllowZero) : SchemaField(Description);

/// <summary>A label selector: a non-empty mapping of label names to values.</summary>
internal sealed record LabelsField(string Description) : SchemaField(Description);

/// <summary>Environment variables: names to scalar values.</summary>
internal sealed record EnvField(string Description) : SchemaField(Description);

/// <summary>One command as an argument array (never a shell string).</summary>
internal sealed record CommandField(string Description) : SchemaField(Description);

/// <summary>One command, or a list of commands; <paramref name="AllowEmpty"/>: <c>[]</c> means none.</summary>
internal sealed record CommandsField(string Description, bool AllowEmpty) : SchemaField(Description);

/// <summary><c>deploy.rolling.batch</c>: a host count, a percentage, or <c>all</c>.</summary>
internal sealed record BatchField(string Description) : SchemaField(Description);

/// <summary><c>deploy.run</c>: <c>release</c>, a command, or <c>{ command: [...] }</c>.</summary>
internal sealed record RunField(string Description) : SchemaField(Description);

/// <summary>A list of mappings (the hooks).</summary>
internal sealed record ListField(string Description, ObjectField Items) : SchemaField(Description);

/// <summary><c>environments:</c>: names to overlays of the manifest without the keys in <paramref name="Forbidden"/>.</summary>
internal sealed record OverlaysField(string Description, IReadOnlyList<string> Forbidden) : SchemaField(Description);
