namespace Akd.Coordinator;

/// <summary>
/// Checks the coordinator's arguments before the host reads them. The stock command-line provider takes any
/// <c>--key value</c> as a setting and ignores the rest, so a typo such as <c>--postgress ...</c> started a coordinator
/// on its own SQLite store instead of the replicas' database; a flag it does not know is refused here, as the agent does.
/// Settings may still be given as <c>--Section:Key=value</c> (e.g. <c>--Coordinator:HeartbeatInterval=00:00:10</c>).
/// </summary>
internal static class CoordinatorCommandLine
{
    /// <summary>The documented flags, each with a value (<c>--tls-san</c> and <c>--insecure-plaintext</c> are taken out before).</summary>
    private static readonly string[] Flags = ["--urls", "--data-dir", "--dashboard-urls", "--postgres", "--replica-id", "--environment"];

    /// <summary>Why the arguments cannot be used, or null.</summary>
    public static string? Refusal(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var eq = arg.IndexOf('=');
            var key = eq > 0 ? arg[..eq] : arg;
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                // The stock provider's other form, Section:Key=value; anything else is a stray word (a value without its flag).
                if (eq > 0 && key.Contains(':'))
                {
                    continue;
                }

                return $"unexpected argument '{arg}' (a value needs its flag, e.g. --data-dir DIR)";
            }

            if (!key.Contains(':') && !Flags.Contains(key, StringComparer.Ordinal))
            {
                return $"unknown option '{key}' (known: {string.Join(", ", Flags.Concat(["--tls-san", "--insecure-plaintext", "--version"]))}; " +
                    "settings as --Section:Key=value)";
            }

            if (eq < 0)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    return $"{key} needs a value";
                }

                i++;
            }
        }

        return null;
    }
}
