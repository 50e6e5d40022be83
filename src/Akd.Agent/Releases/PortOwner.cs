using System.Globalization;
using System.Net;
using Akd.Core.Manifest;

namespace Akd.Agent.Releases;

/// <summary>
/// Which processes listen on a local TCP port, read from <c>/proc</c>. A health check that passes
/// against a port held by another process (an old release that never stopped, anything else) proved
/// nothing about the new release; this tells the two apart.
/// </summary>
internal static class PortOwner
{
    private const string Listen = "0A";

    /// <summary>The loopback address and port an http or tcp health check talks to; null for remote targets and command checks.</summary>
    public static IPEndPoint? LocalEndpointOf(HealthSettings health, string target)
    {
        string host;
        int port;
        if (health.Http is not null && Uri.TryCreate(target, UriKind.Absolute, out var uri))
        {
            (host, port) = (uri.Host, uri.Port);
        }
        else if (health.Tcp is not null && target.LastIndexOf(':') is var colon and > 0
            && int.TryParse(target[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port))
        {
            host = target[..colon];
        }
        else
        {
            return null;
        }

        host = host.Trim('[', ']');
        var address = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var ip) ? ip : null;
        return address is not null && IPAddress.IsLoopback(address) ? new IPEndPoint(address, port) : null;
    }

    /// <summary>Pids holding a listening socket that accepts connections to <paramref name="endpoint"/>; empty when none is visible.</summary>
    public static IReadOnlySet<int> ListenersOf(IPEndPoint endpoint)
    {
        endpoint = Plain(endpoint);
        var inodes = Rows()
            .Where(r => r.State == Listen && r.Local.Port == endpoint.Port && Accepts(r.Local.Address, endpoint.Address))
            .Select(r => r.Socket)
            .ToHashSet(StringComparer.Ordinal);
        var pids = new HashSet<int>();
        if (inodes.Count == 0)
        {
            return pids;
        }

        foreach (var proc in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(proc), out var pid) && HoldsAny(pid, inodes))
            {
                pids.Add(pid);
            }
        }

        return pids;
    }

    /// <summary>
    /// The server's end of the connection from <paramref name="client"/> to <paramref name="server"/>: found with the
    /// socket (<c>socket:[inode]</c>) once a process accepted it, found with null while it waits in a listener's queue.
    /// </summary>
    /// <returns>False when the connection is not in the tables (closed, or never made).</returns>
    public static bool TryFindAccepted(IPEndPoint server, IPEndPoint client, out string? socket)
    {
        (server, client) = (Plain(server), Plain(client));
        foreach (var row in Rows())
        {
            if (row.Local.Equals(server) && row.Remote.Equals(client))
            {
                // A connection no process has accepted yet has no file, hence no inode.
                socket = row.Socket == "socket:[0]" ? null : row.Socket;
                return true;
            }
        }

        socket = null;
        return false;
    }

    /// <summary>True when <paramref name="pid"/> has <paramref name="socket"/> (<c>socket:[inode]</c>) among its open files.</summary>
    public static bool Holds(int pid, string socket) => HoldsAny(pid, new HashSet<string>(StringComparer.Ordinal) { socket });

    private static bool HoldsAny(int pid, HashSet<string> sockets)
    {
        try
        {
            return Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd").Any(fd => new FileInfo(fd).LinkTarget is { } target && sockets.Contains(target));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Another user's process, or one that just exited: not ours to judge.
            return false;
        }
    }

    private readonly record struct Row(IPEndPoint Local, IPEndPoint Remote, string State, string Socket);

    /// <summary>Every TCP socket of this network namespace, IPv4 and IPv6 (addresses mapped from IPv4 read as IPv4).</summary>
    private static IEnumerable<Row> Rows()
    {
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length > 9 && ParseEndpoint(fields[1]) is { } local && ParseEndpoint(fields[2]) is { } remote)
                {
                    yield return new Row(local, remote, fields[3], $"socket:[{fields[9]}]");
                }
            }
        }
    }

    private static IPEndPoint Plain(IPEndPoint endpoint) =>
        endpoint.Address.IsIPv4MappedToIPv6 ? new IPEndPoint(endpoint.Address.MapToIPv4(), endpoint.Port) : endpoint;

    /// <summary>A socket bound to the wildcard address accepts connections to every local address.</summary>
    private static bool Accepts(IPAddress bound, IPAddress target) =>
        bound.Equals(target) || bound.Equals(IPAddress.Any) || bound.Equals(IPAddress.IPv6Any);

    /// <summary><c>0100007F:1F90</c> (IPv4) or 32 hex digits (IPv6), each 32-bit word in host (little-endian) order.</summary>
    private static IPEndPoint? ParseEndpoint(string text)
    {
        var colon = text.IndexOf(':');
        if (colon is not (8 or 32) || !int.TryParse(text[(colon + 1)..], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port))
        {
            return null;
        }

        var bytes = Convert.FromHexString(text[..colon]);
        for (var word = 0; word < bytes.Length; word += 4)
        {
            Array.Reverse(bytes, word, 4);
        }

        return Plain(new IPEndPoint(new IPAddress(bytes), port));
    }

    /// <summary>True when <paramref name="pid"/> is <paramref name="ancestor"/> or was started by it (a port program, a child VM).</summary>
    public static bool IsSelfOrDescendant(int pid, int ancestor)
    {
        for (var current = pid; current > 1; current = ParentOf(current))
        {
            if (current == ancestor)
            {
                return true;
            }
        }

        return false;
    }

    private static int ParentOf(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return int.TryParse(fields[1], out var parent) ? parent : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }
}
