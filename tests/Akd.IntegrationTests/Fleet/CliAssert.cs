using Akd.Testing;

namespace Akd.IntegrationTests.Fleet;

/// <summary>
/// Asserts that akdctl succeeded and, when it did not, fails with what it said: a CI summary shows only an
/// assertion's message, and "Expected: 0, Actual: 1" says nothing about why a deploy failed.
/// </summary>
internal static class CliAssert
{
    private const int TailChars = 1500;

    public static void Succeeded(CliResult result) =>
        Assert.True(result.ExitCode == 0, $"akdctl exited {result.ExitCode} after {result.Elapsed.TotalSeconds:0.0}s\n" +
            $"--- stderr (end) ---\n{Tail(result.StdErr)}\n--- stdout (end) ---\n{Tail(result.StdOut)}");

    /// <summary>
    /// Runs <paramref name="run"/> until its result passes <paramref name="done"/> (at most <paramref name="tries"/> tries, a
    /// second apart) and fails unless it did; returns the last result.
    /// </summary>
    public static async Task<CliResult> EventuallyAsync(Func<Task<CliResult>> run, Func<CliResult, bool> done, int tries = 15)
    {
        var result = await run();
        for (var attempt = 1; attempt < tries && !done(result); attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            result = await run();
        }

        Assert.True(done(result), result.ToString());
        return result;
    }

    private static string Tail(string text)
    {
        var trimmed = text.TrimEnd();
        return trimmed.Length <= TailChars ? trimmed : "..." + trimmed[^TailChars..];
    }
}
