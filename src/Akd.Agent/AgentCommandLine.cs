namespace Akd.Agent;

/// <summary>
/// Maps the documented flags onto the "Agent" config section. <c>--app-env</c> may repeat, which
/// the stock command-line provider cannot express, so it becomes <c>Agent:AppEnv:KEY</c> here.
/// </summary>
internal static class AgentCommandLine
{
    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["--coordinator"] = "Agent:Coordinator",
        ["--name"] = "Agent:Name",
        ["--data-dir"] = "Agent:DataDir",
        ["--join"] = "Agent:Join",
        ["--join-file"] = "Agent:JoinFile",
        ["--config"] = "ConfigFile",
        ["--metrics-port"] = "Agent:MetricsPort",
        ["--app-users"] = "Agent:AppUsers",
        ["--app-runner"] = "Agent:AppRunner",
        ["--peer-port"] = "Agent:PeerPort",
        ["--peer-host"] = "Agent:PeerHost",
    };

    public static Dictionary<string, string?> Parse(string[] args)
    {
        var values = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            var (flag, inline) = Split(args[i]);
            string Next() => inline ?? (i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{flag} needs a value"));

            if (flag == "--app-env")
            {
                var pair = Next();
                var eq = pair.IndexOf('=');
                if (eq <= 0)
                {
                    throw new ArgumentException($"--app-env expects KEY=VALUE, got '{pair}'");
                }

                values[$"Agent:AppEnv:{pair[..eq]}"] = pair[(eq + 1)..];
            }
            else if (Flags.TryGetValue(flag, out var key))
            {
                values[key] = Next();
            }
            else
            {
                throw new ArgumentException($"unknown option '{args[i]}' (known: {string.Join(", ", Flags.Keys.Append("--app-env"))})");
            }
        }

        if (values.ContainsKey("Agent:Join") && values.ContainsKey("Agent:JoinFile"))
        {
            throw new ArgumentException("give the join token once: --join TOKEN or --join-file FILE, not both");
        }

        return values;
    }

    private static (string Flag, string? Inline) Split(string arg)
    {
        var eq = arg.IndexOf('=');
        return arg.StartsWith("--", StringComparison.Ordinal) && eq > 0 ? (arg[..eq], arg[(eq + 1)..]) : (arg, null);
    }
}
