using Akd.Core.Manifest;
namespace Akd.Manifest;

/// <summary>
/// Collects errors once each: the base manifest and every environment's merged view are converted
/// separately, and a problem in the base must not be reported once per environment.
/// </summary>
internal sealed class ManifestErrorList
{
    private readonly List<ManifestError> _errors = [];
    private readonly HashSet<ManifestError> _seen = [];

    public int Count => _errors.Count;

    public IEnumerable<ManifestError> All => _errors;

    public bool Contains(ManifestError error) => _seen.Contains(error);

    public void Add(ManifestError error)
    {
        if (_seen.Add(error))
        {
            _errors.Add(error);
        }
    }

    public IReadOnlyList<ManifestError> Sorted() =>
        [.. _errors.OrderBy(e => e.Line).ThenBy(e => e.Column)];
}
