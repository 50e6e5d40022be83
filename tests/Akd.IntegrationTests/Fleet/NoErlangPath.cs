namespace Akd.IntegrationTests.Fleet;

/// <summary>
/// A PATH for a host "without Erlang": a directory of symlinks to every program in the system
/// directories except Erlang's and Elixir's. Erlang stays installed on the machine (other tests need
/// it), but nothing started with this PATH can find <c>erl</c>, <c>elixir</c> or <c>mix</c>.
/// </summary>
internal static class NoErlangPath
{
    private static readonly string[] SystemDirs = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

    private static readonly HashSet<string> ErlangTools = new(StringComparer.Ordinal)
    {
        "erl", "erlc", "erl_call", "escript", "epmd", "run_erl", "to_erl", "start_embedded", "ct_run", "dialyzer", "typer",
        "erlang-depends", "elixir", "elixirc", "iex", "mix", "rebar", "rebar3",
    };

    public static string Create(string parent)
    {
        var dir = Path.Combine(parent, "no-erlang-bin");
        Directory.CreateDirectory(dir);
        var linked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var systemDir in SystemDirs.Where(Directory.Exists))
        {
            foreach (var program in Directory.EnumerateFileSystemEntries(systemDir))
            {
                var name = Path.GetFileName(program);
                var link = Path.Combine(dir, name);
                if (ErlangTools.Contains(name) || IsErlangLink(program) || !linked.Add(name))
                {
                    continue;
                }

                File.CreateSymbolicLink(link, program);
            }
        }

        return dir;
    }

    private static bool IsErlangLink(string program) =>
        new FileInfo(program).LinkTarget is { } target && (target.Contains("/erlang/", StringComparison.Ordinal) || target.Contains("/elixir/", StringComparison.Ordinal));
}
