namespace Akd.IntegrationTests.Fleet;

/// <summary>
/// A PATH for a host without some tools. "Without Erlang": a directory of symlinks to every program in the system
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

    public static string Create(string parent) =>
        Create(Path.Combine(parent, "no-erlang-bin"), program => ErlangTools.Contains(Path.GetFileName(program)) || IsErlangLink(program));

    /// <summary>A PATH for a build host with Erlang and Elixir but without rebar3 (Debian's <c>rebar3</c> stays installed for other tests).</summary>
    public static string CreateWithoutRebar3(string parent) =>
        Create(Path.Combine(parent, "no-rebar3-bin"), program => Path.GetFileName(program) is "rebar3" or "rebar");

    private static string Create(string dir, Func<string, bool> leaveOut)
    {
        Directory.CreateDirectory(dir);
        var linked = new HashSet<string>(StringComparer.Ordinal);
        foreach (var systemDir in SystemDirs.Where(Directory.Exists))
        {
            foreach (var program in Directory.EnumerateFileSystemEntries(systemDir))
            {
                var name = Path.GetFileName(program);
                var link = Path.Combine(dir, name);
                if (leaveOut(program) || !linked.Add(name))
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
