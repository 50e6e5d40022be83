using Akd.Core.Manifest;
namespace Akd.Manifest;

/// <summary>A manifest was refused; <see cref="Errors"/> holds every problem found, not only the first.</summary>
public sealed class ManifestException : Exception
{
    public ManifestException(IReadOnlyList<ManifestError> errors)
        : base(string.Join(Environment.NewLine, errors))
    {
        Errors = errors;
    }

    public IReadOnlyList<ManifestError> Errors { get; }
}
