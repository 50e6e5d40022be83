namespace Akd.Core.Manifest;

/// <summary>One problem in a manifest, at a 1-based line and column (0:0 when no position applies).</summary>
public sealed record ManifestError(string File, int Line, int Column, string Message)
{
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}
