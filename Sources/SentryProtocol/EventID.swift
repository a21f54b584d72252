/// A Sentry event id: 16 bytes, written as 32 hex digits (or 36 with hyphens on the wire).
public struct EventID: Hashable, Sendable, CustomStringConvertible {
    public let high: UInt64
    public let low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Parses 32 hex digits or the 8-4-4-4-12 hyphenated form, case-insensitively.
    public init?<S: StringProtocol>(_ text: S) {
        // Through a contiguous buffer: iterating a generic UTF8View cost more than the rest of id handling.
        var string = String(text)
        guard let parsed = string.withUTF8({ EventID(utf8: $0) }) else { return nil }
        self = parsed
    }

    /// Parses 32 hex digits or the 8-4-4-4-12 hyphenated form from UTF-8 bytes.
    public init?(utf8: UnsafeBufferPointer<UInt8>) {
        let hyphenated: Bool
        switch utf8.count {
        case 32: hyphenated = false
        case 36: hyphenated = true
        default: return nil
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        var digits = 0
        for position in 0..<utf8.count {
            let byte = utf8[position]
            if hyphenated && (position == 8 || position == 13 || position == 18 || position == 23) {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard let v = JSONStrings.hex(byte) else { return nil }
            if digits < 16 { high = high << 4 | UInt64(v) } else { low = low << 4 | UInt64(v) }
            digits += 1
        }
        self.high = high
        self.low = low
    }

    public static func random() -> EventID {
        var g = SystemRandomNumberGenerator()
        // Version 4, variant 1: what SDKs send, so generated ids look like theirs.
        let high = (g.next() & ~0xF000) | 0x4000
        let low = (g.next() & ~(0xC << 60)) | (0x8 << 60)
        return EventID(high: high, low: low)
    }

    /// 32 lowercase hex digits, as Sentry's API returns ids.
    public var hex: String {
        String(unsafeUninitializedCapacity: 32) { out in
            for i in 0..<16 {
                out[i] = EventID.hexDigit(high >> UInt64(60 - 4 * i))
                out[16 + i] = EventID.hexDigit(low >> UInt64(60 - 4 * i))
            }
            return 32
        }
    }

    private static func hexDigit(_ v: UInt64) -> UInt8 {
        let d = UInt8(truncatingIfNeeded: v & 0xF)
        return d < 10 ? d + 48 : d + 87
    }

    /// Appends the 32 lowercase hex digits to `out` (an ingest response is built this way, without a `String`).
    public func appendHex(to out: inout [UInt8]) {
        for i in 0..<16 { out.append(EventID.hexDigit(high >> UInt64(60 - 4 * i))) }
        for i in 0..<16 { out.append(EventID.hexDigit(low >> UInt64(60 - 4 * i))) }
    }

    /// The 16 bytes, big-endian (the stored form).
    public var bytes: [UInt8] {
        [UInt8](unsafeUninitializedCapacity: 16) { out, count in
            for i in 0..<8 {
                out[i] = UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * i))
                out[8 + i] = UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * i))
            }
            count = 16
        }
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    public var description: String { hex }
}
