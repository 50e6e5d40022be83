using Google.Protobuf;

namespace Akd.Cli.Output;

/// <summary>One protobuf message as one line of JSON (proto3 JSON mapping, default values included).</summary>
internal static class Json
{
    private static readonly JsonFormatter Formatter = new(new JsonFormatter.Settings(formatDefaultValues: true));

    public static void WriteLine(IMessage message) => Console.Out.WriteLine(Formatter.Format(message));
}
