using System.CommandLine;
using System.Text.Json.Nodes;
using Akd.Cli.Init;
using Akd.Core.Manifest;
using Akd.Manifest;
using Akd.Manifest.Schema;

namespace Akd.Cli.Commands;

/// <summary><c>akdctl init</c>: write a commented akd.yaml for the Mix project here, from what mix.exs says.</summary>
internal static class InitCommand
{
    public static Command Build()
    {
        var file = new Option<string>("--file", "-f") { Description = "Where to write the manifest; the Mix project is its directory", DefaultValueFactory = _ => "akd.yaml" };
        var strategy = new Option<string>("--strategy") { Description = "remote-build, local-build or source", DefaultValueFactory = _ => "remote-build" };
        strategy.AcceptOnlyFromAmong("remote-build", "local-build", "source");
        var force = new Option<bool>("--force") { Description = "Overwrite an existing manifest" };
        var command = new Command("init", "Write a commented akd.yaml for the Mix project here") { file, strategy, force };
        command.SetAction(async (context, parse, ct) =>
        {
            var path = Path.GetFullPath(parse.GetValue(file)!);
            var (manifest, facts, written) = await WriteAsync(path, Parse(parse.GetValue(strategy)!), parse.GetValue(force), ct).ConfigureAwait(false);
            if (context.Json)
            {
                // JsonObject rather than an anonymous type: akdctl is NativeAOT, where reflection-based serialization is not.
                Console.Out.WriteLine(new JsonObject
                {
                    ["path"] = path,
                    ["app"] = manifest.App,
                    ["version"] = facts.Mix.Version,
                    ["strategy"] = ManifestTemplate.Name(manifest.Strategy),
                    ["tool"] = manifest.Build.Tool == BuildTool.Distillery ? "distillery" : "mix-release",
                    ["toolchain"] = manifest.Build.Toolchain == Toolchain.Asdf ? "asdf" : "system",
                    ["http_server"] = facts.HttpServer,
                    ["also_wrote"] = new JsonArray([.. written.Select(file => (JsonNode?)file)]),
                }.ToJsonString());
            }
            else
            {
                Console.Out.WriteLine($"wrote {path} for {manifest.App}" + (facts.Mix.Version is { } v ? $" {v}" : "") +
                    $" (strategy {ManifestTemplate.Name(manifest.Strategy)}, toolchain {(manifest.Build.Toolchain == Toolchain.Asdf ? "asdf" : "system")}" +
                    (facts.HttpServer is { } server ? $", {server}" : ", no HTTP server found: health is a command") + ")");
                foreach (var file in written)
                {
                    Console.Out.WriteLine($"wrote {file} (distillery needs it; an existing one is never replaced)");
                }

                Console.Out.WriteLine($"wrote {Path.Combine(Path.GetDirectoryName(path)!, ManifestTemplate.SchemaFile)} for editors (yaml-language-server); refresh it with: akdctl schema > {ManifestTemplate.SchemaFile}");
                Console.Out.WriteLine("review it, then run: akdctl deploy");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>
    /// Renders, checks the result loads, and writes it; refuses to replace a manifest unless <paramref name="force"/>.
    /// For a distillery build, also writes the distillery files the project lacks (<see cref="DistilleryFiles"/>).
    /// </summary>
    internal static async Task<(AppManifest Manifest, ProjectFacts Facts, IReadOnlyList<string> AlsoWrote)> WriteAsync(
        string path, DeployStrategy strategy, bool force, CancellationToken ct)
    {
        if (File.Exists(path) && !force)
        {
            throw new CliException($"{path} already exists; pass --force to overwrite it", ExitCodes.Usage);
        }

        var facts = ProjectFacts.Read(Path.GetDirectoryName(path)!);
        var yaml = ManifestTemplate.Render(facts, strategy);

        // What init writes must load: a template bug must never hand the user a manifest deploy refuses.
        var manifest = ManifestLoader.Parse(yaml, Path.GetFileName(path), environment: null, defaultApp: facts.Mix.App);
        await File.WriteAllTextAsync(path, yaml, ct).ConfigureAwait(false);
        // The modeline points editors at this file: the schema of exactly this akdctl's manifest.
        await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(path)!, ManifestTemplate.SchemaFile), ManifestJsonSchema.Text, ct).ConfigureAwait(false);
        var alsoWrote = manifest.Build.Tool == BuildTool.Distillery
            ? await DistilleryFiles.WriteMissingAsync(Path.GetDirectoryName(path)!, manifest.App, manifest.Build.MixEnv, ct).ConfigureAwait(false)
            : [];
        return (manifest, facts, alsoWrote);
    }

    private static DeployStrategy Parse(string strategy) => strategy switch
    {
        "local-build" => DeployStrategy.LocalBuild,
        "source" => DeployStrategy.Source,
        _ => DeployStrategy.RemoteBuild,
    };
}
