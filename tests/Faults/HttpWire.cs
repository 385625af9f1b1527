using System.Text;

namespace Concorde.Tests.Faults;

/// <summary>The request side of HTTP/1.1 (RFC 9112) as far as the fault proxy needs it: a request line, header
/// fields and a body framed by Content-Length or chunked transfer coding, read from a byte stream that may carry
/// several requests (keep-alive).</summary>
internal sealed class HttpWire(Stream stream)
{
    private const int MaxHeadBytes = 64 * 1024;
    private const int MaxBodyBytes = 1024 * 1024;

    private readonly byte[] _buffer = new byte[MaxHeadBytes];
    private int _start;
    private int _end;

    /// <summary>The next request, or null when the client closed the connection between requests.</summary>
    public async Task<(string Method, string Target, List<KeyValuePair<string, string>> Headers, byte[] Body)?> ReadRequestAsync(
        CancellationToken ct)
    {
        var head = await ReadHeadAsync(ct);
        if (head is null) return null;
        var lines = head.Split("\r\n");
        var requestLine = lines[0].Split(' ');
        if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            throw new InvalidDataException($"not an HTTP/1.1 request line: {lines[0]}");
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon <= 0) throw new InvalidDataException($"malformed header field: {line}");
            headers.Add(new(line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }
        byte[] body;
        if (Find(headers, "Transfer-Encoding") is { } coding && coding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
            body = await ReadChunkedAsync(ct);
        else if (Find(headers, "Content-Length") is { } length)
            body = await ReadExactlyAsync(int.Parse(length, System.Globalization.CultureInfo.InvariantCulture), ct);
        else
            body = [];
        return (requestLine[0], requestLine[1], headers, body);
    }

    public static string? Find(IEnumerable<KeyValuePair<string, string>> headers, string name) =>
        headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).FirstOrDefault();

    private async Task<string?> ReadHeadAsync(CancellationToken ct)
    {
        while (true)
        {
            var terminator = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
            if (terminator >= 0)
            {
                var head = Encoding.Latin1.GetString(_buffer, _start, terminator);
                _start += terminator + 4;
                return head;
            }
            if (!await FillAsync(ct))
            {
                if (_end == _start) return null;
                throw new EndOfStreamException("the connection closed in the middle of a request head");
            }
        }
    }

    private async Task<byte[]> ReadChunkedAsync(CancellationToken ct)
    {
        using var body = new MemoryStream();
        while (true)
        {
            var sizeLine = await ReadLineAsync(ct);
            var size = Convert.ToInt32(sizeLine.Split(';')[0].Trim(), 16);
            if (size == 0)
            {
                // Trailer fields, if any, end with an empty line.
                while ((await ReadLineAsync(ct)).Length > 0) { }
                return body.ToArray();
            }
            if (body.Length + size > MaxBodyBytes) throw new InvalidDataException("request body too large");
            body.Write(await ReadExactlyAsync(size, ct));
            await ReadLineAsync(ct);
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var newline = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (newline >= 0)
            {
                var line = Encoding.Latin1.GetString(_buffer, _start, newline);
                _start += newline + 2;
                return line;
            }
            if (!await FillAsync(ct)) throw new EndOfStreamException("the connection closed in the middle of a chunked body");
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken ct)
    {
        if (count > MaxBodyBytes) throw new InvalidDataException("request body too large");
        var result = new byte[count];
        var copied = 0;
        while (copied < count)
        {
            if (_start == _end && !await FillAsync(ct)) throw new EndOfStreamException("the connection closed in the middle of a body");
            var take = Math.Min(count - copied, _end - _start);
            Array.Copy(_buffer, _start, result, copied, take);
            _start += take;
            copied += take;
        }
        return result;
    }

    /// <summary>Reads more bytes after the unread ones; false at the end of the stream.</summary>
    private async Task<bool> FillAsync(CancellationToken ct)
    {
        if (_start > 0)
        {
            Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) throw new InvalidDataException("request head larger than 64 KiB");
        var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
        _end += read;
        return read > 0;
    }
}
