/// RFC 3339 timestamps as SDKs send them, without Foundation's formatters (slow, and locale-sensitive).
public enum Timestamp {
    /// The times accepted from clients: the epoch to the year 5000. Anything else is not a time an SDK meant.
    public static let validRange: ClosedRange<Double> = 0...95_617_584_000
    /// Parses `2026-11-22T10:00:00[.ffffff][Z|±hh:mm]`; a missing zone means UTC (Sentry's rule).
    public static func parse(_ text: String) -> Double? {
        var text = text
        return text.withUTF8 { parse(bytes: $0) }
    }

    /// `parse(_:)` over UTF-8 bytes (no copy: every event's timestamp and envelope `sent_at` pass here).
    public static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> Double? {
        guard b.count >= 19 else { return nil }
        func num(_ start: Int, _ length: Int) -> Int? {
            var v = 0
            for i in start..<(start + length) {
                guard i < b.count, b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard let year = num(0, 4), b[4] == UInt8(ascii: "-"), let month = num(5, 2), b[7] == UInt8(ascii: "-"),
              let day = num(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "t"),
              let hour = num(11, 2), b[13] == UInt8(ascii: ":"), let minute = num(14, 2), b[16] == UInt8(ascii: ":"),
              let second = num(17, 2), (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
        }
        var offset = 0
        if i < b.count {
            switch b[i] {
            case UInt8(ascii: "Z"), UInt8(ascii: "z"): i += 1
            case UInt8(ascii: "+"), UInt8(ascii: "-"):
                let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
                guard let oh = num(i + 1, 2) else { return nil }
                var om = 0
                if i + 3 < b.count, b[i + 3] == UInt8(ascii: ":") {
                    guard let m = num(i + 4, 2) else { return nil }
                    om = m
                    i += 6
                } else if let m = num(i + 3, 2) {
                    om = m
                    i += 5
                } else {
                    i += 3
                }
                offset = sign * (oh * 3600 + om * 60)
            default: return nil
            }
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year, month, day)
        return Double(days * 86400 + hour * 3600 + minute * 60 + second - offset) + fraction
    }

    /// Formats seconds since the epoch as `2026-11-22T10:00:00.123456Z` (Sentry's API shape).
    /// A value outside `validRange` (only stored data could hold one) is shown clamped, never a trap.
    public static func format(_ seconds: Double) -> String {
        let seconds = seconds.isNaN ? 0 : min(max(seconds, validRange.lowerBound), validRange.upperBound)
        let whole = Int(seconds.rounded(.down))
        let micros = Int(((seconds - Double(whole)) * 1_000_000).rounded())
        let (days, rem) = whole.quotientAndRemainder(dividingBy: 86400)
        let (d, r) = rem < 0 ? (days - 1, rem + 86400) : (days, rem)
        let (y, m, day) = civilFromDays(d)
        func pad(_ v: Int, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        let base = "\(pad(y, 4))-\(pad(m, 2))-\(pad(day, 2))T\(pad(r / 3600, 2)):\(pad(r % 3600 / 60, 2)):\(pad(r % 60, 2))"
        return micros == 0 ? base + "Z" : base + "." + pad(min(micros, 999_999), 6) + "Z"
    }

    // Howard Hinnant's days_from_civil / civil_from_days.
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
