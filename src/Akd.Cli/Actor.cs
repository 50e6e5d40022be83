namespace Akd.Cli;

/// <summary>Who runs akdctl, as the history records it: <c>$AKD_ACTOR</c> (a CI job sets it), else user@host.</summary>
internal static class Actor
{
    public static string Current() =>
        Environment.GetEnvironmentVariable("AKD_ACTOR") is { Length: > 0 } actor ? actor : $"{Environment.UserName}@{Environment.MachineName}";
}
