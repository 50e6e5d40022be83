using System.Text;
using System.Text.Encodings.Web;

namespace Akd.Coordinator.Dashboard;

/// <summary>
/// A small HTML writer: every text and attribute value goes through <see cref="HtmlEncoder"/>, and tag
/// and attribute names must be plain lower-case words, so nothing from a manifest, a log line or an
/// agent's labels can become markup.
/// </summary>
internal sealed class Html
{
    private static readonly HtmlEncoder Encoder = HtmlEncoder.Default;
    private readonly StringBuilder _out = new();

    public Html Open(string tag, params (string Name, string? Value)[] attributes)
    {
        _out.Append('<').Append(Name(tag));
        foreach (var (name, value) in attributes)
        {
            if (value is null)
            {
                continue;
            }

            _out.Append(' ').Append(Name(name)).Append("=\"").Append(Encoder.Encode(value)).Append('"');
        }

        _out.Append('>');
        return this;
    }

    public Html Close(string tag)
    {
        _out.Append("</").Append(Name(tag)).Append('>');
        return this;
    }

    public Html Text(string? text)
    {
        _out.Append(Encoder.Encode(text ?? ""));
        return this;
    }

    /// <summary>An element holding only text.</summary>
    public Html Element(string tag, string? text, params (string Name, string? Value)[] attributes) =>
        Open(tag, attributes).Text(text).Close(tag);

    /// <summary>An element without content or end tag (meta, link, input, br).</summary>
    public Html Void(string tag, params (string Name, string? Value)[] attributes) => Open(tag, attributes);

    public override string ToString() => _out.ToString();

    private static string Name(string name)
    {
        if (name.Length == 0 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
        {
            throw new ArgumentException($"'{name}' is not a plain tag or attribute name", nameof(name));
        }

        return name;
    }
}
