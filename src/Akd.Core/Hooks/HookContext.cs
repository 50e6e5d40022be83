using Akd.Core.Processes;

namespace Akd.Core.Hooks;

/// <summary>Where and how the commands of one stage's hooks run.</summary>
/// <param name="WorkingDirectory">The release directory on a target, the build directory on a build agent.</param>
/// <param name="Environment">The app's env (plus MIX_ENV and the like), added to the agent's own.</param>
public sealed record HookContext(string WorkingDirectory, IReadOnlyDictionary<string, string?> Environment)
{
    /// <summary>Deadline of each command; the step's own deadline still applies through the token.</summary>
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Maps a command before it runs, e.g. <c>mix ecto.migrate</c> to <c>asdf exec mix ecto.migrate</c>
    /// so hooks use the same toolchain as the build.
    /// </summary>
    public Func<IReadOnlyList<string>, IReadOnlyList<string>> Resolve { get; init; } = command => command;
}
