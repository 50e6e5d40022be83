using Akd.Core.Manifest;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Akd.Manifest.Schema;

/// <summary>
/// The JSON Schema (draft 2020-12) of <c>akd.yaml</c>, rendered from <see cref="ManifestModel"/>, the
/// model the loader validates against. Editors use it through the yaml-language-server modeline that
/// <c>akdctl init</c> writes. The loader stays the judge: it also checks what a schema cannot express
/// (a step timeout longer than the health timeout, unique hook names, the Mix app name).
/// </summary>
public static class ManifestJsonSchema
{
    public const string Dialect = "https://json-schema.org/draft/2020-12/schema";

    /// <summary>The schema as indented JSON text, ending with a newline.</summary>
    public static string Text { get; } = Render();

    private static string Render()
    {
        var root = Object(ManifestModel.Root, nullable: false, except: []);
        var schema = new JsonObject
        {
            ["$schema"] = Dialect,
            ["title"] = "akd.yaml",
        };
        foreach (var (key, value) in root.ToList())
        {
            root.Remove(key);
            schema[key] = value;
        }

        return schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    private static JsonObject Field(SchemaField field) => field switch
    {
        ObjectField o => Object(o, nullable: true, except: []),
        StringField s => String(s),
        ChoiceField c => Described(c, new JsonObject { ["enum"] = Array([.. c.Names.Select(n => (JsonNode?)n), null]) }),
        IntegerField i => Described(i, new JsonObject { ["type"] = Types("integer", "null"), ["minimum"] = i.Minimum }),
        BooleanField b => Described(b, new JsonObject { ["type"] = Types("boolean", "null") }),
        SwitchField w => Described(w, new JsonObject { ["enum"] = Array([false, true, .. w.Words.Select(n => (JsonNode?)n), null]) }),
        DurationField d => Described(d, Duration(d.AllowZero)),
        LabelsField l => Described(l, Labels()),
        EnvField e => Described(e, Env()),
        CommandField c => Described(c, AnyOf(Command(), Null())),
        CommandsField c => Described(c, Commands(c.AllowEmpty)),
        BatchField b => Described(b, AnyOf(
            new JsonObject { ["type"] = "integer", ["minimum"] = 1 },
            new JsonObject { ["type"] = "string", ["pattern"] = ManifestModel.BatchPattern },
            Null())),
        RunField r => Described(r, AnyOf(
            new JsonObject { ["const"] = "release" },
            Command(),
            new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["command"] = Command() },
                ["required"] = Array("command"),
                ["additionalProperties"] = false,
            },
            Null())),
        ListField l => Described(l, new JsonObject { ["type"] = Types("array", "null"), ["items"] = Object(l.Items, nullable: false, except: []) }),
        OverlaysField o => Described(o, new JsonObject
        {
            ["type"] = Types("object", "null"),
            ["propertyNames"] = new JsonObject { ["minLength"] = 1 },
            ["additionalProperties"] = Object(ManifestModel.Root with { Description = "An overlay merged over the manifest." }, nullable: true, except: o.Forbidden),
        }),
        _ => throw new InvalidOperationException($"no JSON Schema for {field.GetType().Name}"),
    };

    private static JsonObject Object(ObjectField field, bool nullable, IReadOnlyList<string> except)
    {
        var properties = new JsonObject();
        foreach (var property in field.Properties.Where(p => !except.Contains(p.Key)))
        {
            properties[property.Key] = Field(property.Field);
        }

        var schema = Described(field, new JsonObject
        {
            ["type"] = nullable ? Types("object", "null") : "object",
            ["properties"] = properties,
            ["additionalProperties"] = false,
        });
        if (field.Required is { Count: > 0 } required)
        {
            schema["required"] = Array([.. required.Select(r => (JsonNode?)r)]);
            foreach (var key in required)
            {
                // Required and set: null would mean "not set".
                properties[key]!["not"] = Null();
            }
        }

        var rules = new JsonArray();
        if (field.Exclusive is { Count: > 1 } exclusive)
        {
            var pairs = new JsonArray();
            for (var i = 0; i < exclusive.Count; i++)
            {
                for (var j = i + 1; j < exclusive.Count; j++)
                {
                    pairs.Add((JsonNode)Set(exclusive[i], exclusive[j]));
                }
            }

            rules.Add((JsonNode)new JsonObject { ["not"] = new JsonObject { ["anyOf"] = pairs } });
        }

        foreach (var (key, needs) in field.Dependent ?? [])
        {
            rules.Add((JsonNode)new JsonObject { ["if"] = Set(key), ["then"] = Set(needs) });
        }

        if (rules.Count > 0)
        {
            schema["allOf"] = rules;
        }

        return schema;
    }

    /// <summary>Matches a mapping (not null: it would match vacuously) in which every one of <paramref name="keys"/> is present and not null.</summary>
    private static JsonObject Set(params string[] keys)
    {
        var properties = new JsonObject();
        foreach (var key in keys)
        {
            properties[key] = new JsonObject { ["not"] = Null() };
        }

        return new JsonObject { ["type"] = "object", ["properties"] = properties, ["required"] = Array([.. keys.Select(k => (JsonNode?)k)]) };
    }

    private static JsonObject String(StringField field)
    {
        var schema = Described(field, new JsonObject { ["type"] = Types("string", "null"), ["minLength"] = 1 });
        if (field.Pattern is { } pattern)
        {
            schema["pattern"] = pattern;
        }

        return schema;
    }

    private static JsonObject Duration(bool allowZero) => new()
    {
        ["type"] = Types("string", "integer", "null"),
        ["pattern"] = allowZero ? ManifestModel.DurationPattern : "^(?!0+(ms|s|m|h)?$)" + ManifestModel.DurationPattern[1..],
        ["minimum"] = allowZero ? 0 : 1,
    };

    private static JsonObject Labels() => new()
    {
        ["type"] = Types("object", "null"),
        ["minProperties"] = 1,
        ["propertyNames"] = new JsonObject { ["pattern"] = "^[^=,]+$" },
        ["additionalProperties"] = new JsonObject { ["type"] = Types("string", "number", "boolean"), ["minLength"] = 1, ["pattern"] = "^[^,]+$" },
    };

    private static JsonObject Env() => new()
    {
        ["type"] = Types("object", "null"),
        ["propertyNames"] = new JsonObject { ["pattern"] = ManifestModel.EnvNamePattern },
        ["additionalProperties"] = new JsonObject { ["type"] = Types("string", "number", "boolean", "null") },
    };

    /// <summary>An argument array: the program (a non-empty string), then its arguments.</summary>
    private static JsonObject Command() => new()
    {
        ["type"] = "array",
        ["minItems"] = 1,
        ["prefixItems"] = Array(new JsonObject { ["type"] = Types("string", "number", "boolean"), ["minLength"] = 1 }),
        ["items"] = new JsonObject { ["type"] = Types("string", "number", "boolean") },
    };

    private static JsonObject Commands(bool allowEmpty)
    {
        var options = new List<JsonNode> { Command(), new JsonObject { ["type"] = "array", ["minItems"] = 1, ["items"] = Command() }, Null() };
        if (allowEmpty)
        {
            options.Add(new JsonObject { ["type"] = "array", ["maxItems"] = 0 });
        }

        return AnyOf([.. options]);
    }

    private static JsonObject Described(SchemaField field, JsonObject schema)
    {
        var described = new JsonObject { ["description"] = field.Description };
        foreach (var (key, value) in schema.ToList())
        {
            schema.Remove(key);
            described[key] = value;
        }

        return described;
    }

    private static JsonObject AnyOf(params JsonNode[] options) => new() { ["anyOf"] = Array([.. options]) };

    private static JsonObject Null() => new() { ["type"] = "null" };

    private static JsonArray Types(params string[] types) => Array([.. types.Select(t => (JsonNode?)t)]);

    private static JsonArray Array(params JsonNode?[] items) => new(items);
}
