using Akd.Core.Manifest;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Akd.Manifest;

/// <summary>Turns manifest text into its single YAML document, reporting syntax errors with their position.</summary>
internal static class YamlText
{
    public static YamlNode? LoadRoot(string yaml, string file, ManifestErrorList errors)
    {
        var parser = new TrackingParser(new Parser(new StringReader(yaml)));
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (AnchorNotFoundException ex)
        {
            // Aliases are resolved after the whole document is read, so the exception's mark is not the alias's.
            var at = parser.FirstUnknownAlias ?? ex.Start;
            errors.Add(new ManifestError(file, (int)at.Line, (int)at.Column, $"invalid YAML: {ex.Message}"));
            return null;
        }
        catch (YamlException ex)
        {
            errors.Add(new ManifestError(file, (int)ex.Start.Line, (int)ex.Start.Column, $"invalid YAML: {ex.Message}"));
            return null;
        }
        catch (InvalidOperationException)
        {
            // The scanner fails this way on some malformed flow collections; the last good token is the best position we have.
            // Its message is .NET's ("Operation is not valid due to the current state of the object"): it says nothing of the YAML.
            var at = parser.LastGoodEnd;
            errors.Add(new ManifestError(file, (int)at.Line, (int)at.Column, "invalid YAML after this point (an unclosed '[' or '{'?)"));
            return null;
        }

        switch (stream.Documents.Count)
        {
            case 0:
                errors.Add(new ManifestError(file, 1, 1, "the manifest is empty; expected a mapping with keys such as app, strategy, build, deploy"));
                return null;
            case > 1:
                var second = stream.Documents[1].RootNode.Start;
                errors.Add(new ManifestError(file, (int)second.Line, (int)second.Column, "expected a single YAML document, found more than one ('---')"));
                return null;
            default:
                var root = stream.Documents[0].RootNode;
                if (YamlGraphGuard.Check(root, file) is { } unsafeGraph)
                {
                    errors.Add(unsafeGraph);
                    return null;
                }

                return root;
        }
    }

    /// <summary>Remembers where parsing was, because not every failure of YamlDotNet carries a position.</summary>
    private sealed class TrackingParser(IParser inner) : IParser
    {
        public ParsingEvent? Current => inner.Current;

        public Mark LastGoodEnd { get; private set; } = Mark.Empty;

        public Mark? FirstUnknownAlias { get; private set; }

        private readonly HashSet<string> _anchors = new(StringComparer.Ordinal);

        public bool MoveNext()
        {
            if (inner.Current is { } previous)
            {
                LastGoodEnd = previous.End;
            }

            if (!inner.MoveNext())
            {
                return false;
            }

            switch (inner.Current)
            {
                case AnchorAlias alias when FirstUnknownAlias is null && !_anchors.Contains(alias.Value.Value):
                    FirstUnknownAlias = alias.Start;
                    break;
                case NodeEvent { Anchor.IsEmpty: false } node:
                    _anchors.Add(node.Anchor.Value);
                    break;
            }

            return true;
        }
    }
}
