using Akd.Core.Manifest;
using System.Text.RegularExpressions;
using Akd.Manifest.Schema;
using YamlDotNet.RepresentationModel;

namespace Akd.Manifest;

/// <summary>The <c>health:</c> section.</summary>
internal sealed partial class ManifestConverter
{
    private HealthSettings Health(YamlNode? node)
    {
        var defaults = new HealthSettings();
        var map = reader.Map(node, "health", ManifestModel.Health.Keys);
        if (map is null)
        {
            return defaults;
        }

        var http = reader.String(map["http"], "health.http");
        if (http is not null && !http.StartsWith("http://", StringComparison.Ordinal) && !http.StartsWith("https://", StringComparison.Ordinal))
        {
            reader.Error(map["http"]!, "health.http", $"expected an http:// or https:// URL, got '{http}'");
        }

        var tcp = reader.String(map["tcp"], "health.tcp");
        if (tcp is not null && !HostPort().IsMatch(tcp))
        {
            reader.Error(map["tcp"]!, "health.tcp", $"expected host:port such as \"127.0.0.1:${{PORT}}\", got '{tcp}'");
        }

        var command = reader.Command(map["command"], "health.command");

        var checks = new[] { "http", "tcp", "command" }.Where(k => !NodeReader.IsNull(map[k])).ToList();
        if (checks.Count > 1)
        {
            reader.Error(map.KeyNode(checks[1])!, "health", $"set only one of http, tcp, command; found {string.Join(" and ", checks)}");
        }

        var expect = reader.String(map["expect"], "health.expect");
        if (expect is not null && NodeReader.IsNull(map["http"]))
        {
            reader.Error(map.KeyNode("expect")!, "health.expect", "only applies to health.http");
        }

        return new HealthSettings
        {
            Http = http,
            Tcp = tcp,
            Command = command,
            Expect = expect,
            Timeout = reader.Duration(map["timeout"], "health.timeout", allowZero: false) ?? defaults.Timeout,
            Interval = reader.Duration(map["interval"], "health.interval", allowZero: false) ?? defaults.Interval,
            Retries = reader.Int(map["retries"], "health.retries", min: 0) ?? defaults.Retries,
        };
    }

    [GeneratedRegex(ManifestModel.HostPortPattern, RegexOptions.CultureInvariant)]
    private static partial Regex HostPort();
}
