namespace Akd.Coordinator.Tests;

public sealed class CoordinatorCommandLineTests
{
    /// <summary>The arguments of a test case, separated by '|' (a value may hold spaces or '=').</summary>
    private static string[] Args(string line) => line.Split('|', StringSplitOptions.RemoveEmptyEntries);

    [Theory]
    [InlineData("--urls|https://0.0.0.0:7400|--data-dir|/var/lib/akd-coordinator")]
    [InlineData("--postgres=Host=db;Database=akd|--replica-id|c1|--dashboard-urls|https://127.0.0.1:7403")]
    [InlineData("--Coordinator:PingTimeout=00:00:05|--Coordinator:HeartbeatInterval|00:00:10")]
    [InlineData("ConnectionStrings:Postgres=Host=db|--environment|Production")]
    [InlineData("")]
    public void Refusal_DocumentedFlagsAndSettings_Null(string line)
    {
        Assert.Null(CoordinatorCommandLine.Refusal(Args(line)));
    }

    [Theory]
    [InlineData("--data-dir|/d|--postgress|Host=db", "unknown option '--postgress' (known: --urls, --data-dir,")]
    [InlineData("--bogus=1", "unknown option '--bogus'")]
    [InlineData("--data-dir|/d|/e", "unexpected argument '/e' (a value needs its flag, e.g. --data-dir DIR)")]
    [InlineData("--data-dir", "--data-dir needs a value")]
    [InlineData("--urls|--data-dir|/d", "--urls needs a value")]
    public void Refusal_UnknownOrIncomplete_SaysWhich(string line, string expected)
    {
        // Act
        var refusal = CoordinatorCommandLine.Refusal(Args(line));

        // Assert
        Assert.NotNull(refusal);
        Assert.StartsWith(expected, refusal);
    }
}
