using System.Text;
using System.Text.RegularExpressions;

namespace Akd.Agent.Sandbox;

/// <summary>
/// <c>akd-agent --create-app-user</c>, the root helper of an agent that is not root (<c>akd-app-user@.service</c>,
/// one instance per connection to <c>akd-app-user.socket</c>, which only root and the akd group may open). Its one
/// verb: read a user name (one line), and make it a system user if, and only if, it is an app user name as the
/// agent derives them (<c>akd-app-*</c>); an existing user of that name is answered only when akd made it.
/// Answers one line: <c>ok UID GID</c>, or <c>error WHY</c>.
/// </summary>
internal static partial class AppUserHelper
{
    /// <summary>What akd writes in the GECOS field of the users it makes (<see cref="UnixUsers.CreateAsync"/>).</summary>
    public const string Comment = "akd app";

    public const string NoLogin = "/usr/sbin/nologin";

    /// <summary>A name and its newline; anything longer is not a request.</summary>
    private const int MaxRequest = 64;

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);

    /// <summary>getent and useradd: the verb runs without the agent's configuration, so the option's default.</summary>
    private static readonly TimeSpan CommandTimeout = new AgentOptions().LocalCommandTimeout;

    /// <summary>Exit codes: 0 made or found, 1 refused, 2 useradd failed.</summary>
    public static async Task<int> RunAsync(Stream input, Stream output, TextWriter log, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(RequestTimeout);
        string? name;
        try
        {
            name = await ReadLineAsync(input, timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            name = null;
        }

        var (code, answer) = name is null
            ? (1, $"error no request: one line, an app user name, within {RequestTimeout.TotalSeconds:0} seconds")
            : await HandleAsync(name, ct).ConfigureAwait(false);

        // The journal gets one line per request; a name is not a secret.
        await log.WriteLineAsync($"akd-agent --create-app-user: {(name is null ? "(no request)" : Printable(name))}: {answer}").ConfigureAwait(false);
        await output.WriteAsync(Encoding.UTF8.GetBytes(answer + "\n"), ct).ConfigureAwait(false);
        await output.FlushAsync(ct).ConfigureAwait(false);
        return code;
    }

    /// <summary>
    /// The names the agent derives (<see cref="AppUser.DefaultName"/>): <c>akd-app-</c>, then lower-case letters,
    /// digits, <c>_</c> and <c>-</c>, at most 32 characters in all. Nothing else is ever made.
    /// </summary>
    public static bool IsAppUserName(string name) => name.Length <= 32 && AppUserName().IsMatch(name);

    private static async Task<(int Code, string Answer)> HandleAsync(string name, CancellationToken ct)
    {
        if (!IsAppUserName(name))
        {
            return (1, "error refused: not an app user name (akd-app-[a-z0-9_-]+, at most 32 characters)");
        }

        if (await UnixUsers.FindEntryAsync(name, CommandTimeout, ct).ConfigureAwait(false) is { } existing)
        {
            return existing.Comment == Comment && existing.Shell == NoLogin && existing.User.Uid != 0
                ? (0, $"ok {existing.User.Uid} {existing.User.Gid}")
                : (1, $"error refused: user {name} exists and akd did not make it");
        }

        try
        {
            var user = await UnixUsers.CreateAsync(name, CommandTimeout, _ => { }, ct).ConfigureAwait(false);
            return (0, $"ok {user.Uid} {user.Gid}");
        }
        catch (InvalidOperationException ex)
        {
            return (2, "error " + ex.Message.ReplaceLineEndings(" "));
        }
    }

    /// <summary>Bytes up to the first newline, at most <see cref="MaxRequest"/>; null when the peer sent no whole line.</summary>
    private static async Task<string?> ReadLineAsync(Stream input, CancellationToken ct)
    {
        var buffer = new byte[MaxRequest];
        var length = 0;
        while (length < buffer.Length)
        {
            var read = await input.ReadAsync(buffer.AsMemory(length, 1), ct).ConfigureAwait(false);
            if (read == 0)
            {
                return null;
            }

            if (buffer[length] == (byte)'\n')
            {
                return Encoding.UTF8.GetString(buffer, 0, length);
            }

            length++;
        }

        return null;
    }

    private static string Printable(string text) =>
        new(text.Select(c => char.IsControl(c) ? '?' : c).Take(MaxRequest).ToArray());

    [GeneratedRegex(@"^akd-app-[a-z0-9_][a-z0-9_-]*\z", RegexOptions.CultureInvariant)]
    private static partial Regex AppUserName();
}
