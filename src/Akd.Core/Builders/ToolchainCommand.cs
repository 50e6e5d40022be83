using Akd.Core.Manifest;

namespace Akd.Core.Builders;

/// <summary>
/// Maps an Elixir/Erlang tool invocation to the toolchain the manifest asks for: the system's tools
/// as they are, or asdf's through <c>asdf exec</c>, which picks the versions in <c>.tool-versions</c>
/// of the working directory.
/// </summary>
public static class ToolchainCommand
{
    // Only tools asdf's erlang and elixir plugins provide: `asdf exec` fails for anything it has no shim for.
    private static readonly HashSet<string> AsdfTools = new(StringComparer.Ordinal)
    {
        "mix", "elixir", "elixirc", "iex", "erl", "erlc", "escript", "rebar3",
    };

    public static IReadOnlyList<string> Resolve(Toolchain toolchain, IReadOnlyList<string> command) =>
        toolchain == Toolchain.Asdf && command.Count > 0 && AsdfTools.Contains(command[0])
            ? ["asdf", "exec", .. command]
            : command;
}
