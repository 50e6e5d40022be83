namespace Akd.Installers.Tests;

internal sealed record UnitSetting(string Section, string Key, string Value, int Line);

/// <summary>
/// A minimal reader for systemd unit files: sections, <c>Key=Value</c> lines and comments.
/// Enough to assert what the shipped units say; systemd-analyze checks the rest.
/// </summary>
internal sealed class UnitFile
{
    private UnitFile(IReadOnlyList<UnitSetting> settings) => Settings = settings;

    public IReadOnlyList<UnitSetting> Settings { get; }

    public static UnitFile Parse(string text)
    {
        var settings = new List<UnitSetting>();
        var section = "";
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line.EndsWith('\\'))
            {
                throw new FormatException($"line {i + 1}: continuation lines are not supported here");
            }

            if (line[0] == '[' && line[^1] == ']')
            {
                section = line[1..^1];
                continue;
            }

            var equals = line.IndexOf('=');
            if (equals <= 0)
            {
                throw new FormatException($"line {i + 1}: expected Key=Value, got '{line}'");
            }

            settings.Add(new UnitSetting(section, line[..equals].Trim(), line[(equals + 1)..].Trim(), i + 1));
        }

        return new UnitFile(settings);
    }

    public IReadOnlyList<string> Values(string section, string key) =>
        Settings.Where(s => s.Section == section && s.Key == key).Select(s => s.Value).ToList();

    /// <summary>
    /// The unit text with every <c>ExecStart=</c> program replaced by <paramref name="program"/>,
    /// its arguments and every other line kept, so a unit can be verified where the real
    /// program is not installed.
    /// </summary>
    public static string WithExecStartProgram(string text, string program)
    {
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (!lines[i].StartsWith("ExecStart=", StringComparison.Ordinal))
            {
                continue;
            }

            var value = lines[i]["ExecStart=".Length..];
            var prefixLength = value.TakeWhile(c => c is '-' or '@' or ':' or '+' or '!').Count();
            var space = value.IndexOf(' ', prefixLength);
            var arguments = space < 0 ? "" : value[space..];
            lines[i] = "ExecStart=" + value[..prefixLength] + program + arguments;
        }

        return string.Join('\n', lines);
    }
}
