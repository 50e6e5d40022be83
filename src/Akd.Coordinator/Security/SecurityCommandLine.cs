namespace Akd.Coordinator.Security;

/// <summary>
/// <c>--tls-san</c> may repeat and <c>--insecure-plaintext</c> takes no value, which the stock command-line
/// provider cannot express: they are taken out of the arguments here and become "Trust" settings.
/// </summary>
internal static class SecurityCommandLine
{
    public static string[] Extract(string[] args, out Dictionary<string, string?> settings)
    {
        settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var rest = new List<string>();
        var sans = 0;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--insecure-plaintext")
            {
                settings["Trust:InsecurePlaintext"] = "true";
            }
            else if (arg.StartsWith("--tls-san=", StringComparison.Ordinal))
            {
                settings[$"Trust:TlsSans:{sans++}"] = arg["--tls-san=".Length..];
            }
            else if (arg == "--tls-san" && i + 1 < args.Length)
            {
                settings[$"Trust:TlsSans:{sans++}"] = args[++i];
            }
            else
            {
                rest.Add(arg);
            }
        }

        return [.. rest];
    }
}
