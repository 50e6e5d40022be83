using Akd.Core.Manifest;
using System.Globalization;
using System.Text.RegularExpressions;
using Akd.Manifest.Schema;
using YamlDotNet.RepresentationModel;

namespace Akd.Manifest;

/// <summary>The <c>deploy:</c> section.</summary>
internal sealed partial class ManifestConverter
{
    private static readonly (string, RollbackScope)[] RollbackScopes = ManifestModel.RollbackScopes;

    private static readonly (string, UpgradeMode)[] UpgradeModes = ManifestModel.UpgradeModes;

    private const string BatchExpected = "a number of hosts >= 1, a percentage such as \"25%\" (1-100), or all";

    private DeploySettings Deploy(YamlNode? node, string app)
    {
        var defaults = new DeploySettings { Path = $"apps/{app}" };
        var map = reader.Map(node, "deploy", ManifestModel.Deploy.Keys);
        if (map is null)
        {
            return defaults;
        }

        return new DeploySettings
        {
            To = reader.Labels(map["to"], "deploy.to") ?? defaults.To,
            Path = reader.String(map["path"], "deploy.path") ?? defaults.Path,
            KeepReleases = reader.Int(map["keep_releases"], "deploy.keep_releases", min: 1) ?? defaults.KeepReleases,
            Rolling = Rolling(map["rolling"]),
            Env = reader.EnvMap(map["env"], "deploy.env") ?? defaults.Env,
            RunCommand = Run(map["run"]),
            Upgrade = reader.Choice(map["upgrade"], "deploy.upgrade", UpgradeModes) ?? defaults.Upgrade,
            StartOverlap = reader.Switch(map["start_overlap"], "deploy.start_overlap", StartOverlapMode.Off, StartOverlapMode.PortClosed, ManifestModel.StartOverlapWords)
                ?? defaults.StartOverlap,
            StepTimeout = reader.Duration(map["step_timeout"], "deploy.step_timeout", allowZero: false),
            User = User(map["user"]) ?? defaults.User,
        };
    }

    /// <summary><c>deploy.user</c>: a name useradd would accept, so the agent never passes anything else to it.</summary>
    private string? User(YamlNode? node)
    {
        var user = reader.String(node, "deploy.user");
        if (user is not null && !UserName().IsMatch(user))
        {
            reader.Error(node!, "deploy.user", $"expected a Unix user name of lowercase letters, digits, '_' and '-', starting with a letter or '_', at most 32 characters, got '{user}'");
            return null;
        }

        return user;
    }

    [GeneratedRegex(ManifestModel.UserNamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex UserName();

    /// <summary>A step that ends before its health check may is a deploy that can only fail: refuse it up front.</summary>
    private void CheckStepTimeout(MappingView top, AppManifest manifest)
    {
        if (manifest.Deploy.StepTimeout is not { } step || step > manifest.Health.Timeout
            || top["deploy"] is not YamlMappingNode deploy
            || new MappingView(deploy)["step_timeout"] is not { } node)
        {
            return;
        }

        reader.Error(node, "deploy.step_timeout",
            $"must be longer than health.timeout ({manifest.Health.Timeout.TotalSeconds:0.###}s): a host needs time to stop, switch, start and pass its check");
    }

    /// <summary>A hot upgrade needs a release to load a relup into; <c>auto</c> just restarts such apps.</summary>
    private void CheckUpgrade(MappingView top, AppManifest manifest)
    {
        if (manifest.Deploy.Upgrade != UpgradeMode.Hot
            || (manifest.Strategy != DeployStrategy.Source && manifest.Deploy.RunCommand is null)
            || top["deploy"] is not YamlMappingNode deploy
            || new MappingView(deploy)["upgrade"] is not { } node)
        {
            return;
        }

        reader.Error(node, "deploy.upgrade",
            "hot needs a release (strategy remote-build or local-build, run: release); use auto or restart for an app run as a command");
    }

    private RollingSettings Rolling(YamlNode? node)
    {
        var defaults = new RollingSettings();
        var map = reader.Map(node, "deploy.rolling", ManifestModel.Rolling.Keys);
        if (map is null)
        {
            return defaults;
        }

        return new RollingSettings
        {
            Batch = Batch(map["batch"]) ?? defaults.Batch,
            MaxFailures = reader.Int(map["max_failures"], "deploy.rolling.max_failures", min: 0) ?? defaults.MaxFailures,
            Pause = reader.Duration(map["pause"], "deploy.rolling.pause", allowZero: true) ?? defaults.Pause,
            Rollback = reader.Choice(map["rollback"], "deploy.rolling.rollback", RollbackScopes) ?? defaults.Rollback,
        };
    }

    private RollingBatch? Batch(YamlNode? node)
    {
        if (NodeReader.IsNull(node))
        {
            return null;
        }

        if (node is YamlScalarNode { Value: { } text })
        {
            if (text == "all")
            {
                return RollingBatch.All;
            }

            if (text.EndsWith('%')
                && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var percent)
                && percent is >= 1 and <= 100)
            {
                return RollingBatch.Percent(percent);
            }

            if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var hosts) && hosts >= 1)
            {
                return RollingBatch.Count(hosts);
            }
        }

        reader.Error(node!, "deploy.rolling.batch", $"expected {BatchExpected}, got {NodeReader.Describe(node!)}");
        return null;
    }

    /// <summary><c>release</c> (null), <c>[args]</c>, or <c>{ command: [args] }</c>.</summary>
    private IReadOnlyList<string>? Run(YamlNode? node)
    {
        switch (node)
        {
            case var _ when NodeReader.IsNull(node):
                return null;
            case YamlScalarNode { Value: "release" }:
                return null;
            case YamlSequenceNode:
                return reader.Command(node, "deploy.run");
            case YamlMappingNode:
                var map = reader.Map(node, "deploy.run", ["command"])!;
                if (NodeReader.IsNull(map["command"]))
                {
                    reader.Error(node, "deploy.run.command", "required: the command to run, as a list of strings such as [\"mix\", \"phx.server\"]");
                    return null;
                }

                return reader.Command(map["command"], "deploy.run.command");
            default:
                reader.Error(node!, "deploy.run", $"expected release, a command as a list of strings, or {{ command: [...] }}, got {NodeReader.Describe(node!)}");
                return null;
        }
    }
}
