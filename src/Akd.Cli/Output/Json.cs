using Akd.Contracts.V1;
using Google.Protobuf;

namespace Akd.Cli.Output;

/// <summary>
/// One protobuf message as one line of JSON (proto3 JSON mapping, default values included). The vocabulary prints as
/// the words it always printed (the text fields), not as the enum fields that carry it since protocol 2.3.
/// </summary>
internal static class Json
{
    private static readonly JsonFormatter Formatter = new(new JsonFormatter.Settings(formatDefaultValues: true));

    public static void WriteLine<T>(T message) where T : IMessage<T> => Console.Out.WriteLine(Format(message));

    public static string Format<T>(T message) where T : IMessage<T> => Formatter.Format(WireVocabulary.TextOnly(message));
}
