using System.CommandLine;
using Akd.Manifest.Schema;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl schema</c>: print the JSON Schema of akd.yaml, generated from the model the loader validates against.</summary>
internal static class SchemaCommand
{
    public static Command Build()
    {
        var command = new Command("schema", "Print the JSON Schema of akd.yaml (for editors: akdctl schema > akd.schema.json)");
        command.SetAction(async (_, _, ct) =>
        {
            await Console.Out.WriteAsync(ManifestJsonSchema.Text.AsMemory(), ct).ConfigureAwait(false);
            return ExitCodes.Ok;
        });
        return command;
    }
}
