namespace Akd.Core.Hosting;

/// <summary>
/// What a program that cannot start prints: one line an operator can act on (a port in use, a database that cannot be
/// reached, a setting out of range) instead of .NET's "Unhandled exception" with a stack trace and an abort (exit 134,
/// which systemd records as a core dump and restarts into the same failure).
/// </summary>
public static class StartFailure
{
    /// <summary>The exit code for a setting that fails validation: the same as a bad flag's.</summary>
    public const int BadSetting = 2;

    /// <summary>The exit code for anything else that stopped the start (or the run).</summary>
    public const int Failed = 1;

    /// <summary>Prints <c>PROGRAM: cannot start: WHY</c> (or <c>stopped on an error</c>) on stderr; returns the exit code.</summary>
    /// <param name="badSetting">The exception is a setting's validation failure (exit <see cref="BadSetting"/>).</param>
    public static int Report(string program, Exception ex, bool started, bool badSetting)
    {
        Console.Error.WriteLine($"{program}: {(started ? "stopped on an error" : "cannot start")}: {Describe(ex)}");
        return badSetting ? BadSetting : Failed;
    }

    /// <summary>The exception's message, and the innermost one's when it adds something (the OS's reason, say).</summary>
    public static string Describe(Exception ex)
    {
        var outer = ex is AggregateException { InnerExceptions: [var only] } ? only : ex;
        var inner = outer.GetBaseException();
        return ReferenceEquals(inner, outer) || outer.Message.Contains(inner.Message, StringComparison.OrdinalIgnoreCase)
            ? outer.Message
            : $"{outer.Message} ({inner.Message})";
    }
}
