/// Replaces the variable parts of a message with placeholders, so `user 42 not found` and `user 97 not
/// found` group together. The kinds and their priority follow Sentry's parameterization
/// (src/sentry/grouping/parameterization.py): email, url, hostname, ip, uuid, sha1, md5, date, duration,
/// hex, float, int, quoted_str, bool. At each position the first kind that matches wins, as in one
/// alternation regex; this is a hand-written scanner because Foundation's regex engine costs far more
/// than the whole ingest budget.
public enum Parameterizer {
    /// Which pattern set: grouping strategies up to v2 use Sentry's older set; v3 adds its newer kinds (W3C and AWS
    /// trace ids, Swift transaction ids, unprefixed hex and 7-digit git shas) and keeps `<int>` to 1–7 digits.
    public enum Patterns: Sendable { case classic, extended }

    public static func parameterize(_ text: String, patterns: Patterns = .classic) -> String {
        var bytes = Array(text.utf8)
        // Most messages have no digit, '@', ':' or '='; then nothing can match.
        guard bytes.contains(where: { isDigit($0) || $0 == UInt8(ascii: "@") || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: ".") })
        else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        bytes.append(0)  // a sentinel, so lookahead never needs a bounds check
        let end = bytes.count - 1
        while i < end {
            if let (kind, next) = match(bytes, at: i, end: end, patterns: patterns) {
                out.append(UInt8(ascii: "<"))
                out.append(contentsOf: kind.utf8)
                out.append(UInt8(ascii: ">"))
                i = next
            } else {
                // Copy the rest of a word at once: matches start only at word boundaries (or after '=').
                let start = i
                i += 1
                // Inside a word nothing may start (every kind needs a boundary before it), so copy it whole.
                if isWord(bytes[start]) {
                    while i < end, isWord(bytes[i]) { i += 1 }
                }
                out.append(contentsOf: bytes[start..<i])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Matching

    private static func match(_ b: [UInt8], at i: Int, end: Int, patterns: Patterns) -> (String, Int)? {
        let c = b[i]
        let afterEquals = i > 0 && b[i - 1] == UInt8(ascii: "=")
        if afterEquals, let n = quoted(b, i, end) { return ("quoted_str", n) }
        if afterEquals, let n = boolean(b, i, end) { return ("bool", n) }
        guard isWord(c) || c == UInt8(ascii: "-") else { return nil }
        let atBoundary = i == 0 || !isWord(b[i - 1])
        guard atBoundary else { return nil }
        if let n = email(b, i, end) { return ("email", n) }
        if isAlpha(c) {
            if let n = url(b, i, end) { return ("url", n) }
            if let n = hostname(b, i, end) { return ("hostname", n) }
        }
        if let n = ip(b, i, end) { return ("ip", n) }
        if patterns == .extended, c == UInt8(ascii: "0") || c == UInt8(ascii: "1"), let n = traceparent(b, i, end) {
            return ("traceparent", n)
        }
        if isHex(c) {
            if let n = uuid(b, i, end) { return ("uuid", n) }
            if let n = hexRun(b, i, end, length: 40) { return ("sha1", n) }
            if let n = hexRun(b, i, end, length: 32) { return ("md5", n) }
        }
        if let n = date(b, i, end) { return ("date", n) }
        if isDigit(c) {
            if let n = duration(b, i, end) { return ("duration", n) }
            if let n = hex(b, i, end) { return ("hex", n) }
        }
        if patterns == .extended {
            if c == UInt8(ascii: "t"), let n = swiftTransactionID(b, i, end) { return ("swift_txn_id", n) }
            if let n = unprefixedHex(b, i, end) { return ("hex", n) }
            if let n = gitSHA(b, i, end) { return ("git_sha", n) }
        }
        if let n = float(b, i, end) { return ("float", n) }
        if let n = int(b, i, end, maxDigits: patterns == .extended ? 7 : .max) { return ("int", n) }
        return nil
    }

    /// W3C `00-<32 hex>-<16 hex>-0[01]`, or AWS X-Ray's `1-<8 hex>-<24 hex>`.
    private static func traceparent(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        func lowerHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= 97 && c <= 102) }
        func run(_ n: Int, _ length: Int) -> Bool {
            guard n + length <= end else { return false }
            for k in n..<(n + length) where !lowerHex(b[k]) { return false }
            return true
        }
        if b[i] == UInt8(ascii: "0"), b[i + 1] == UInt8(ascii: "0"), b[i + 2] == UInt8(ascii: "-"), run(i + 3, 32),
           b[i + 35] == UInt8(ascii: "-"), run(i + 36, 16), b[i + 52] == UInt8(ascii: "-"), b[i + 53] == UInt8(ascii: "0"),
           b[i + 54] == UInt8(ascii: "0") || b[i + 54] == UInt8(ascii: "1"), boundaryAfter(b, i + 55) {
            return i + 55
        }
        if b[i] == UInt8(ascii: "1"), b[i + 1] == UInt8(ascii: "-"), run(i + 2, 8), b[i + 10] == UInt8(ascii: "-"),
           run(i + 11, 24), boundaryAfter(b, i + 35) {
            return i + 35
        }
        return nil
    }

    /// OpenStack Swift's `tx` + 21 hex + `-` + 10 hex, and whatever follows up to a space.
    private static func swiftTransactionID(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        guard b[i + 1] == UInt8(ascii: "x"), i + 34 <= end else { return nil }
        func lowerHex(_ c: UInt8) -> Bool { isDigit(c) || (c >= 97 && c <= 102) }
        for k in (i + 2)..<(i + 23) where !lowerHex(b[k]) { return nil }
        guard b[i + 23] == UInt8(ascii: "-") else { return nil }
        for k in (i + 24)..<(i + 34) where !lowerHex(b[k]) { return nil }
        var n = i + 34
        while n < end, !isSpace(b[n]) { n += 1 }
        return n
    }

    /// Hex without `0x`: 4 to 6 digits mixing digits and letters, or 8 to 128 digits, in one letter case; a minus
    /// sign before it is part of it.
    private static func unprefixedHex(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        var n = i
        if b[n] == UInt8(ascii: "-") { n += 1 }
        let start = n
        var digit = false, lower = false, upper = false
        while n < end, isHex(b[n]) {
            if isDigit(b[n]) { digit = true } else if b[n] >= 97 { lower = true } else { upper = true }
            n += 1
        }
        let length = n - start
        guard length >= 4, boundaryAfter(b, n), !(lower && upper) else { return nil }
        if length <= 6 { return digit && (lower || upper) ? n : nil }
        return length >= 8 && length <= 128 ? n : nil
    }

    /// A short git commit id: 7 lower-case hex digits with at least one digit and one letter.
    private static func gitSHA(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        guard i + 7 <= end else { return nil }
        var digit = false, letter = false
        for k in i..<(i + 7) {
            if isDigit(b[k]) { digit = true } else if b[k] >= 97 && b[k] <= 102 { letter = true } else { return nil }
        }
        return digit && letter && boundaryAfter(b, i + 7) ? i + 7 : nil
    }

    static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
    static func isAlpha(_ c: UInt8) -> Bool { (c | 0x20) >= 97 && (c | 0x20) <= 122 }
    static func isHex(_ c: UInt8) -> Bool { isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 102) }
    /// Python's `\w` on str: letters, digits, underscore and every non-ASCII letter (approximated as any
    /// byte ≥ 0x80, so UTF-8 text never splits mid-character).
    static func isWord(_ c: UInt8) -> Bool { isDigit(c) || isAlpha(c) || c == UInt8(ascii: "_") || c >= 0x80 }

    private static func boundaryAfter(_ b: [UInt8], _ n: Int) -> Bool { !isWord(b[n]) }

    private static func digits(_ b: [UInt8], _ i: Int, _ end: Int, max: Int = .max) -> Int {
        var n = i
        while n < end, n - i < max, isDigit(b[n]) { n += 1 }
        return n - i
    }

    private static func quoted(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        let q = b[i]
        guard q == UInt8(ascii: "'") || q == UInt8(ascii: "\"") else { return nil }
        var n = i + 1
        while n < end, b[n] != q { n += 1 }
        return n < end ? n + 1 : nil
    }

    private static func boolean(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        for word in ["true", "false", "True", "False"] {
            let w = Array(word.utf8)
            if i + w.count <= end, Array(b[i..<(i + w.count)]) == w, boundaryAfter(b, i + w.count) { return i + w.count }
        }
        return nil
    }

    private static func email(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        func local(_ c: UInt8) -> Bool { isWord(c) || c == UInt8(ascii: ".") || c == UInt8(ascii: "+") || c == UInt8(ascii: "-") || c == UInt8(ascii: "%") }
        var n = i
        // Bounded scans keep the whole pass linear on hostile text (`1.1.1.1…`, `a@a@a@…`).
        while n < end, n - i <= 64, local(b[n]) { n += 1 }
        guard n > i, n < end, b[n] == UInt8(ascii: "@") else { return nil }
        guard let after = domain(b, n + 1, end, minLabels: 2) else { return nil }
        return after
    }

    /// `label(.label)+`, labels of letters, digits and '-'; returns the end and needs `minLabels`.
    private static func domain(_ b: [UInt8], _ i: Int, _ end: Int, minLabels: Int) -> Int? {
        var n = i
        var labels = 0
        var lastEnd = i
        while true {
            let start = n
            guard n - i <= 253 else { break }
            while n < end, n - start < 64, isDigit(b[n]) || isAlpha(b[n]) || b[n] == UInt8(ascii: "-") || b[n] >= 0x80 { n += 1 }
            guard n > start else { break }
            labels += 1
            lastEnd = n
            guard n < end, b[n] == UInt8(ascii: "."), n + 1 < end, isWord(b[n + 1]) else { break }
            n += 1
        }
        return labels >= minLabels ? lastEnd : nil
    }

    private static func url(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        var n = i
        while n < end, isAlpha(b[n]) { n += 1 }
        let scheme = String(decoding: b[i..<n], as: UTF8.self).lowercased()
        guard ["http", "https", "ws", "wss", "ftp"].contains(scheme), n + 3 < end,
              b[n] == UInt8(ascii: ":"), b[n + 1] == UInt8(ascii: "/"), b[n + 2] == UInt8(ascii: "/") else { return nil }
        n += 3
        let start = n
        while n < end, !isSpace(b[n]) { n += 1 }
        return n > start ? n : nil
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D || c == 0x0B || c == 0x0C }

    /// Sentry lists the hundred most common top-level domains; a hostname is labels ending in one of them.
    static let topLevelDomains: Set<String> = [
        "com", "net", "org", "io", "de", "uk", "ru", "br", "au", "fr", "it", "nl", "pl", "in", "ir", "jp", "info",
        "cn", "eu", "ca", "es", "ch", "se", "be", "at", "us", "cz", "biz", "dk", "gr", "no", "mx", "vn", "tv", "kr",
        "ua", "hu", "ro", "ar", "za", "co", "tw", "cl", "sk", "me", "fi", "il", "pt", "id", "nz", "tr", "sg", "ie",
        "xyz", "by", "hk", "lt", "edu", "gov", "mil", "dev", "app", "ai", "cloud", "online", "site", "top", "club",
        "local", "internal", "localhost", "lan", "svc", "cluster",
    ]

    private static func hostname(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        guard let n = domain(b, i, end, minLabels: 2), boundaryAfter(b, n) else { return nil }
        var dot = n - 1
        while dot > i, b[dot] != UInt8(ascii: ".") { dot -= 1 }
        let tld = String(decoding: b[(dot + 1)..<n], as: UTF8.self).lowercased()
        return topLevelDomains.contains(tld) ? n : nil
    }

    private static func ip(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        if let n = ipv4(b, i, end), boundaryAfter(b, n), !(b[n] == UInt8(ascii: ".") && isDigit(b[n + 1])) { return n }
        return ipv6(b, i, end)
    }

    private static func ipv4(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        var n = i
        for part in 0..<4 {
            let d = digits(b, n, end, max: 3)
            guard d > 0, Int(String(decoding: b[n..<(n + d)], as: UTF8.self)).map({ $0 <= 255 }) == true else { return nil }
            n += d
            if part < 3 {
                guard b[n] == UInt8(ascii: ".") else { return nil }
                n += 1
            }
        }
        return n
    }

    /// Eight hex groups, or fewer with one `::`; an IPv4 tail is allowed. Times (`10:20:30`) have neither.
    private static func ipv6(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        var n = i
        var groups = 0
        var compressed = false
        if b[n] == UInt8(ascii: ":"), b[n + 1] == UInt8(ascii: ":") {
            compressed = true
            n += 2
        }
        var lastGood = compressed ? n : -1
        while n < end {
            var h = n
            while h < end, h - n < 4, isHex(b[h]) { h += 1 }
            guard h > n else { break }
            if groups < 7, let v4 = ipv4(b, n, end), (compressed || groups == 6), boundaryAfter(b, v4) {
                groups += 2
                lastGood = v4
                n = v4
                break
            }
            groups += 1
            n = h
            lastGood = n
            guard b[n] == UInt8(ascii: ":") else { break }
            if b[n + 1] == UInt8(ascii: ":") {
                guard !compressed else { break }
                compressed = true
                n += 2
                lastGood = n
            } else {
                n += 1
            }
        }
        guard lastGood > i, boundaryAfter(b, lastGood) || b[lastGood - 1] == UInt8(ascii: ":") else { return nil }
        if compressed ? (groups >= 1 && groups <= 7) : groups == 8 { return lastGood }
        return nil
    }

    private static func hexRun(_ b: [UInt8], _ i: Int, _ end: Int, length: Int) -> Int? {
        guard i + length <= end else { return nil }
        for k in i..<(i + length) where !isHex(b[k]) { return nil }
        return boundaryAfter(b, i + length) ? i + length : nil
    }

    private static func uuid(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        var n = i
        for (index, length) in [8, 4, 4, 4, 12].enumerated() {
            guard n + length <= end else { return nil }
            for k in n..<(n + length) where !isHex(b[k]) { return nil }
            n += length
            if index < 4 {
                guard b[n] == UInt8(ascii: "-") else { return nil }
                n += 1
            }
        }
        return boundaryAfter(b, n) ? n : nil
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let weekdays = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    private static func date(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        if isDigit(b[i]) {
            // YYYY-MM-DD, optionally followed by [T ]hh:mm[:ss[.frac]][zone]
            if digits(b, i, end, max: 4) == 4, b[i + 4] == UInt8(ascii: "-"), digits(b, i + 5, end, max: 2) == 2,
               b[i + 7] == UInt8(ascii: "-"), digits(b, i + 8, end, max: 2) == 2 {
                var n = i + 10
                if b[n] == UInt8(ascii: "T") || b[n] == UInt8(ascii: " "), let t = time(b, n + 1, end) {
                    n = zone(b, t, end)
                }
                return boundaryAfter(b, n) || b[n - 1] == UInt8(ascii: "Z") ? n : nil
            }
            // RFC 822 / 850 day-first: 02 Jan 06 15:04 MST, 02-Jan-06 15:04:05 MST
            if let n = dayMonthYear(b, i, end) { return n }
            if let t = time(b, i, end) {
                // Kitchen time: 3:04PM
                var n = t
                if b[n] == UInt8(ascii: " ") && isMeridiem(b, n + 1) { n += 3 } else if isMeridiem(b, n) { n += 2 }
                return boundaryAfter(b, n) ? n : nil
            }
            return nil
        }
        // datetime.datetime(2026, 11, 22, 10, 0)
        let prefix = Array("datetime.datetime(".utf8)
        if i + prefix.count < end, Array(b[i..<(i + prefix.count)]) == prefix {
            var n = i + prefix.count
            while n < end, isDigit(b[n]) || b[n] == UInt8(ascii: ",") || b[n] == UInt8(ascii: " ") { n += 1 }
            return b[n] == UInt8(ascii: ")") ? n + 1 : nil
        }
        // RFC 1123 / 850: Mon, 02 Jan 2006 15:04:05 MST / Monday, 02-Jan-06 15:04:05 MST
        var n = i
        while n < end, isAlpha(b[n]) { n += 1 }
        guard n - i >= 3, weekdays.contains(String(decoding: b[i..<(i + 3)], as: UTF8.self).lowercased()),
              b[n] == UInt8(ascii: ","), b[n + 1] == UInt8(ascii: " ") else { return nil }
        return dayMonthYear(b, n + 2, end)
    }

    private static func isMeridiem(_ b: [UInt8], _ n: Int) -> Bool {
        (b[n] | 0x20 == UInt8(ascii: "a") || b[n] | 0x20 == UInt8(ascii: "p")) && b[n + 1] | 0x20 == UInt8(ascii: "m")
    }

    /// `02 Jan 2006 15:04[:05] [zone]`, with spaces or dashes between day, month and year.
    private static func dayMonthYear(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        let d = digits(b, i, end, max: 2)
        guard d > 0 else { return nil }
        var n = i + d
        let sep = b[n]
        guard sep == UInt8(ascii: " ") || sep == UInt8(ascii: "-"), n + 4 < end,
              months.contains(String(decoding: b[(n + 1)..<(n + 4)], as: UTF8.self).lowercased()), b[n + 4] == sep
        else { return nil }
        n += 5
        let y = digits(b, n, end, max: 4)
        guard y == 2 || y == 4 else { return nil }
        n += y
        guard b[n] == UInt8(ascii: " "), let t = time(b, n + 1, end) else { return nil }
        n = t
        if b[n] == UInt8(ascii: " ") {
            var z = n + 1
            while z < end, isAlpha(b[z]) { z += 1 }
            if (1...5).contains(z - (n + 1)) {
                n = z
            } else if zone(b, n + 1, end) != n + 1 {
                n = zone(b, n + 1, end)
            }
        }
        return boundaryAfter(b, n) ? n : nil
    }

    /// `hh:mm[:ss[.frac]]`
    private static func time(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        let h = digits(b, i, end, max: 2)
        guard h > 0, b[i + h] == UInt8(ascii: ":"), digits(b, i + h + 1, end, max: 2) == 2 else { return nil }
        var n = i + h + 3
        if b[n] == UInt8(ascii: ":"), digits(b, n + 1, end, max: 2) == 2 {
            n += 3
            if b[n] == UInt8(ascii: "."), isDigit(b[n + 1]) {
                n += 1
                n += digits(b, n, end)
            }
        }
        return n
    }

    /// `Z`, `±hh:mm` or `±hhmm` after a time.
    private static func zone(_ b: [UInt8], _ n: Int, _ end: Int) -> Int {
        if b[n] == UInt8(ascii: "Z") { return n + 1 }
        if b[n] == UInt8(ascii: "+") || b[n] == UInt8(ascii: "-") {
            if digits(b, n + 1, end, max: 2) == 2 {
                if b[n + 3] == UInt8(ascii: ":"), digits(b, n + 4, end, max: 2) == 2 { return n + 6 }
                if digits(b, n + 3, end, max: 2) == 2 { return n + 5 }
            }
        }
        return n
    }

    private static func duration(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        var n = i + digits(b, i, end)
        if b[n] == UInt8(ascii: "m"), b[n + 1] == UInt8(ascii: "s"), boundaryAfter(b, n + 2) { return n + 2 }
        if b[n] == UInt8(ascii: "."), isDigit(b[n + 1]) { n += 1 + digits(b, n + 1, end) }
        if b[n] == UInt8(ascii: "s"), boundaryAfter(b, n + 1) { return n + 1 }
        return nil
    }

    private static func hex(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        guard b[i] == UInt8(ascii: "0"), b[i + 1] | 0x20 == UInt8(ascii: "x"), isHex(b[i + 2]) else { return nil }
        var n = i + 2
        while n < end, isHex(b[n]) { n += 1 }
        return boundaryAfter(b, n) ? n : nil
    }

    private static func float(_ b: [UInt8], _ i: Int, _ end: Int) -> Int? {
        var n = i
        if b[n] == UInt8(ascii: "-") { n += 1 }
        let whole = digits(b, n, end)
        guard whole > 0, b[n + whole] == UInt8(ascii: "."), isDigit(b[n + whole + 1]) else { return nil }
        n += whole + 1
        n += digits(b, n, end)
        if b[n] | 0x20 == UInt8(ascii: "e") {
            var e = n + 1
            if b[e] == UInt8(ascii: "-") || b[e] == UInt8(ascii: "+") { e += 1 }
            if isDigit(b[e]) { n = e + digits(b, e, end) }
        }
        return boundaryAfter(b, n) ? n : nil
    }

    private static func int(_ b: [UInt8], _ i: Int, _ end: Int, maxDigits: Int) -> Int? {
        var n = i
        if b[n] == UInt8(ascii: "-") { n += 1 }
        let d = digits(b, n, end)
        guard d > 0, d <= maxDigits else { return nil }
        n += d
        return boundaryAfter(b, n) ? n : nil
    }
}
