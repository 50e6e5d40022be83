using Akd.Core.Manifest;
using System.Text.RegularExpressions;
using Akd.Manifest.Schema;
using YamlDotNet.RepresentationModel;

namespace Akd.Manifest;

/// <summary>Converts one (possibly merged) manifest mapping into an <see cref="AppManifest"/>, reporting every error.</summary>
internal sealed partial class ManifestConverter(NodeReader reader)
{
    public static IReadOnlyList<string> TopLevelKeys => ManifestModel.Root.Keys;

    private static readonly (string, DeployStrategy)[] Strategies = ManifestModel.Strategies;

    private static readonly (string, BuildTool)[] Tools = ManifestModel.Tools;

    private static readonly (string, Toolchain)[] Toolchains = ManifestModel.Toolchains;

    /// <summary>Always returns a manifest; it is only meaningful when no error was recorded.</summary>
    public AppManifest Convert(YamlMappingNode root, string? defaultApp)
    {
        var top = reader.Map(root, "", TopLevelKeys)!;
        var app = App(top, defaultApp) ?? "invalid";
        var manifest = new AppManifest
        {
            App = app,
            Strategy = reader.Choice(top["strategy"], "strategy", Strategies) ?? DeployStrategy.RemoteBuild,
            Source = Source(top["source"]),
            Build = Build(top["build"]),
            Deploy = Deploy(top["deploy"], app),
            Health = Health(top["health"]),
            Hooks = Hooks(top["hooks"]),
        };
        CheckStepTimeout(top, manifest);
        CheckUpgrade(top, manifest);
        return manifest;
    }

    public static bool IsReleaseName(string name) => ReleaseName().IsMatch(name);

    private string? App(MappingView top, string? defaultApp)
    {
        var node = top["app"];
        if (NodeReader.IsNull(node))
        {
            if (defaultApp is null)
            {
                reader.Error(top.KeyNode("app") ?? top.Node, "app", "required: set the release name (no mix.exs next to the manifest to take it from)");
                return null;
            }

            if (!IsReleaseName(defaultApp))
            {
                reader.Error(top.Node, "app", $"the Mix app name '{defaultApp}' is not a valid release name; set app explicitly");
                return null;
            }

            return defaultApp;
        }

        var app = reader.String(node, "app");
        if (app is not null && !IsReleaseName(app))
        {
            reader.Error(node!, "app", $"expected a release name of lowercase letters, digits and underscores, starting with a letter, got '{app}'");
            return null;
        }

        return app;
    }

    private SourceSettings Source(YamlNode? node)
    {
        var map = reader.Map(node, "source", ManifestModel.Source.Keys);
        if (map is null)
        {
            return new SourceSettings();
        }

        var path = reader.String(map["path"], "source.path");
        var git = reader.String(map["git"], "source.git");
        var gitRef = reader.String(map["ref"], "source.ref");
        if (path is not null && git is not null)
        {
            reader.Error(map.KeyNode("git")!, "source", "path and git are mutually exclusive; set one of them");
        }

        if (gitRef is not null && git is null)
        {
            reader.Error(map.KeyNode("ref")!, "source.ref", "only allowed together with source.git");
        }

        return new SourceSettings { Path = git is null ? path ?? "." : null, Git = git, Ref = git is null ? null : gitRef };
    }

    private BuildSettings Build(YamlNode? node)
    {
        var defaults = new BuildSettings();
        var map = reader.Map(node, "build", ManifestModel.Build.Keys);
        if (map is null)
        {
            return defaults;
        }

        var mixEnv = reader.String(map["mix_env"], "build.mix_env");
        if (mixEnv is not null && !MixEnv().IsMatch(mixEnv))
        {
            reader.Error(map["mix_env"]!, "build.mix_env", $"expected a Mix environment name of lowercase letters, digits and underscores, such as prod, got '{mixEnv}'");
        }

        return new BuildSettings
        {
            On = reader.Labels(map["on"], "build.on") ?? defaults.On,
            Tool = reader.Choice(map["tool"], "build.tool", Tools) ?? defaults.Tool,
            MixEnv = mixEnv ?? defaults.MixEnv,
            Toolchain = reader.Choice(map["toolchain"], "build.toolchain", Toolchains) ?? defaults.Toolchain,
            IncludeErts = reader.Bool(map["include_erts"], "build.include_erts") ?? defaults.IncludeErts,
        };
    }

    [GeneratedRegex(ManifestModel.ReleaseNamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex ReleaseName();

    [GeneratedRegex(ManifestModel.MixEnvPattern, RegexOptions.CultureInvariant)]
    private static partial Regex MixEnv();
}
