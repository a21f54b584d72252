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
        var high: UInt64 = 0
        var low: UInt64 = 0
        var digits = 0
        let utf8 = text.utf8
        guard utf8.count == 32 || utf8.count == 36 else { return nil }
        let hyphenated = utf8.count == 36
        for (position, byte) in utf8.enumerated() {
            if hyphenated && (position == 8 || position == 13 || position == 18 || position == 23) {
                guard byte == UInt8(ascii: "-") else { return nil }
                continue
            }
            guard let v = JSONStrings.hex(byte) else { return nil }
            if digits < 16 { high = high << 4 | UInt64(v) } else { low = low << 4 | UInt64(v) }
            digits += 1
        }
        guard digits == 32 else { return nil }
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
        var out = [UInt8](repeating: 0, count: 32)
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        for i in 0..<16 {
            out[i] = digits[Int((high >> UInt64(60 - 4 * i)) & 0xF)]
            out[16 + i] = digits[Int((low >> UInt64(60 - 4 * i)) & 0xF)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    public var bytes: [UInt8] {
        (0..<8).map { UInt8(truncatingIfNeeded: high >> UInt64(56 - 8 * $0)) }
            + (0..<8).map { UInt8(truncatingIfNeeded: low >> UInt64(56 - 8 * $0)) }
    }

    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    public var description: String { hex }
}
