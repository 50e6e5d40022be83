using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Akd.Manifest.Schema;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Akd.Core.Tests.Manifest.Schema;

/// <summary>
/// Validates YAML against the generated akd.yaml schema as an editor does: the YAML is read with the
/// YAML 1.2 core schema (plain true/false are booleans, plain integers numbers, ~ and null nulls)
/// and the result evaluated by JsonSchema.Net, a draft 2020-12 validator independent of Akd's code.
/// </summary>
internal static partial class SchemaAssert
{
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(ManifestJsonSchema.Text));

    /// <summary>The schema's error messages for <paramref name="yaml"/>; empty when it is valid.</summary>
    public static IReadOnlyList<string> Errors(string yaml)
    {
        using var instance = JsonDocument.Parse(ToJson(yaml));
        var result = Schema.Value.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        return result.IsValid ? [] : [.. Messages(result).DefaultIfEmpty("invalid")];
    }

    private static IEnumerable<string> Messages(EvaluationResults result) =>
        (result.Errors ?? new Dictionary<string, string>()).Select(e => $"{result.InstanceLocation} ({result.EvaluationPath}): {e.Key}: {e.Value}")
            .Concat((result.Details ?? []).SelectMany(Messages));

    public static void Valid(string yaml, string name)
    {
        var errors = Errors(yaml);
        Assert.True(errors.Count == 0, $"{name} does not match the schema:\n{string.Join("\n", errors)}");
    }

    public static string ToJson(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            if (stream.Documents.Count == 0)
            {
                writer.WriteNullValue();
            }
            else
            {
                Write(writer, stream.Documents[0].RootNode);
            }
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    writer.WritePropertyName(((YamlScalarNode)key).Value ?? "");
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(writer, scalar);
                break;
            default:
                throw new NotSupportedException(node.GetType().Name);
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar)
    {
        var text = scalar.Value ?? "";
        if (scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            writer.WriteStringValue(text);
        }
        else if (text is "" or "~" or "null" or "Null" or "NULL")
        {
            writer.WriteNullValue();
        }
        else if (text is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
        {
            writer.WriteBooleanValue(text.Equals("true", StringComparison.OrdinalIgnoreCase));
        }
        else if (Integer().IsMatch(text))
        {
            writer.WriteNumberValue(long.Parse(text, CultureInfo.InvariantCulture));
        }
        else if (Float().IsMatch(text))
        {
            writer.WriteNumberValue(double.Parse(text, CultureInfo.InvariantCulture));
        }
        else
        {
            writer.WriteStringValue(text);
        }
    }

    [GeneratedRegex("^[-+]?[0-9]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Integer();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Float();
}
