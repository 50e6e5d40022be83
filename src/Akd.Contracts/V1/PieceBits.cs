namespace Akd.Contracts.V1;

/// <summary>The piece bitfields of <see cref="PlanRequest.Held"/> and <see cref="SwarmPeer.Pieces"/>: bit i is piece i, least significant first.</summary>
public static class PieceBits
{
    /// <summary>The largest piece peers exchange: a peer asked for a larger one refuses, so one request cannot make it read a whole file into memory.</summary>
    public const int MaxPieceBytes = 16 * 1024 * 1024;

    public static bool Has(ReadOnlySpan<byte> bits, int piece) => piece / 8 < bits.Length && (bits[piece / 8] & (1 << (piece % 8))) != 0;

    public static byte[] Of(IEnumerable<int> pieces, int count)
    {
        var bits = new byte[(count + 7) / 8];
        foreach (var piece in pieces)
        {
            bits[piece / 8] |= (byte)(1 << (piece % 8));
        }

        return bits;
    }

    public static int Count(ReadOnlySpan<byte> bits, int count)
    {
        var n = 0;
        for (var i = 0; i < count; i++)
        {
            n += Has(bits, i) ? 1 : 0;
        }

        return n;
    }

    /// <summary>A lower-case hex SHA-256: what artifact names are, and nothing that could name another file.</summary>
    public static bool IsDigest(string sha256) =>
        sha256.Length == 64 && sha256.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f'));
}
