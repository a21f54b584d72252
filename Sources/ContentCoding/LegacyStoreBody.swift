/// The body form of Sentry's oldest clients (raven-python, raven-ruby, raven-php…): on the store endpoint they
/// send the event as base64 of zlib-compressed JSON, with `Content-Type: application/octet-stream` and no
/// `Content-Encoding`. Relay's store endpoint accepts it by shape: a body that does not start with `{` is taken
/// as base64; if that decodes to `{…`, it was only base64, else it is inflated as zlib.
public enum LegacyStoreBody {
    /// The JSON inside a legacy-wrapped `body`; nil when it is not wrapped: it already looks like JSON, is empty,
    /// or is not base64 at all (the JSON parser then says what is wrong with it).
    public static func unwrap(_ body: [UInt8], limit: Int) throws(ContentDecodingError) -> [UInt8]? {
        guard let first = body.first(where: { !isSpace($0) }), first != UInt8(ascii: "{") else { return nil }
        guard let binary = base64Decode(body) else { return nil }
        if binary.first == UInt8(ascii: "{") { return binary }
        return try ContentDecoder.decode(binary, encoding: .deflate, limit: limit)
    }

    static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    /// Standard or URL-safe alphabet, padding optional, line breaks and spaces skipped; nil on any other byte.
    /// Output is at most three quarters of the input, so it is bounded by the (already limited) body.
    static func base64Decode(_ text: [UInt8]) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(text.count / 4 * 3 + 3)
        var accumulator: UInt32 = 0
        var bits = 0
        var sawPadding = false
        for byte in text {
            let value: UInt8
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): value = byte - UInt8(ascii: "A")
            case UInt8(ascii: "a")...UInt8(ascii: "z"): value = byte - UInt8(ascii: "a") + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0") + 52
            case UInt8(ascii: "+"), UInt8(ascii: "-"): value = 62
            case UInt8(ascii: "/"), UInt8(ascii: "_"): value = 63
            case UInt8(ascii: "="):
                sawPadding = true
                continue
            default:
                if isSpace(byte) { continue }
                return nil
            }
            // Data after padding is not base64.
            if sawPadding { return nil }
            accumulator = accumulator << 6 | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // A single leftover character (6 bits) cannot end a valid encoding.
        return bits == 6 || out.isEmpty ? nil : out
    }
}
