using System.Text.RegularExpressions;
using Akd.Core.Manifest;

namespace Akd.Cli.Init;

/// <summary>What <c>akdctl init</c> can tell about a Mix project without running Elixir.</summary>
/// <param name="HttpServer">The dependency that serves HTTP (phoenix, plug_cowboy, bandit, cowboy), or null.</param>
internal sealed partial record ProjectFacts(MixProjectInfo Mix, bool UsesDistillery, string? HttpServer)
{
    public static ProjectFacts Read(string projectDir)
    {
        var mix = MixProject.TryRead(projectDir)
            ?? throw new CliException($"no Mix project in {projectDir}: run akdctl init next to mix.exs (or pass -f DIR/akd.yaml)", ExitCodes.Usage);

        // Commented-out lines (old deps, examples) must not count.
        var code = string.Join('\n', File.ReadAllLines(Path.Combine(projectDir, "mix.exs")).Where(l => !l.TrimStart().StartsWith('#')));
        var server = mix.IsPhoenix ? "phoenix" : HttpDependency().Match(code) is { Success: true } m ? m.Groups["dep"].Value : null;
        return new ProjectFacts(mix, DistilleryDependency().IsMatch(code), server);
    }

    [GeneratedRegex(@"\{\s*:distillery\b", RegexOptions.CultureInvariant)]
    private static partial Regex DistilleryDependency();

    [GeneratedRegex(@"\{\s*:(?<dep>plug_cowboy|bandit|cowboy)\b", RegexOptions.CultureInvariant)]
    private static partial Regex HttpDependency();
}
