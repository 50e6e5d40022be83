namespace Akd.Cli.Output;

/// <summary>How an empty value shows in a table or listing.</summary>
internal static class Cell
{
    public static string Dash(string? value) => string.IsNullOrEmpty(value) ? "-" : value;
}
