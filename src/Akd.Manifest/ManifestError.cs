using Akd.Core.Manifest;
namespace Akd.Manifest;

/// <summary>One problem in a manifest, at a 1-based line and column (0:0 when no position applies).</summary>
public sealed record ManifestError(string File, int Line, int Column, string Message)
{
    /// <summary><c>file:line:column: message</c>, or <c>file: message</c> when the problem has no position (a missing file).</summary>
    public override string ToString() => Line > 0 ? $"{File}:{Line}:{Column}: {Message}" : $"{File}: {Message}";
}
