import SentryProtocol

/// A project's data-scrubbing settings (Sentry's "Security & Privacy" options).
public struct ScrubbingConfig: Sendable, Equatable {
    /// Scrub at all (`dataScrubber`).
    public var enabled = true
    /// Apply the built-in sensitive keys and credit-card detection (`dataScrubberDefaults`).
    public var useDefaults = true
    /// Extra keys to scrub; a string value containing one is scrubbed whole too (`sensitiveFields`).
    public var sensitiveFields: [String] = []
    /// Keys never scrubbed (`safeFields`).
    public var safeFields: [String] = []
    /// Remove `user.ip_address`, `request.env.REMOTE_ADDR` and `sdk.client_ip` (`scrubIPAddresses`).
    public var scrubIPAddresses = false

    public init(enabled: Bool = true, useDefaults: Bool = true, sensitiveFields: [String] = [], safeFields: [String] = [],
                scrubIPAddresses: Bool = false) {
        self.enabled = enabled
        self.useDefaults = useDefaults
        self.sensitiveFields = sensitiveFields.map { $0.lowercased() }.filter { !$0.isEmpty }
        self.safeFields = safeFields.map { $0.lowercased() }.filter { !$0.isEmpty }
        self.scrubIPAddresses = scrubIPAddresses
    }

    public static let `default` = ScrubbingConfig()
}

/// Server-side scrubbing, before anything is written: values under sensitive keys and credit-card
/// numbers anywhere become `[Filtered]`. It works on the JSON tape and rewrites only the changed byte
/// ranges; an event with nothing to scrub (the common case: SDKs scrub too) costs one walk and no copy.
public enum Scrubber {
    public static let placeholder = "[Filtered]"

    /// Sentry's and Relay's default key patterns (case-insensitive substrings; `-` matches `_`).
    static let defaultKeyPatterns: [[UInt8]] = [
        "password", "passwd", "secret", "api_key", "apikey", "access_token", "auth", "credentials", "mysql_pwd",
        "privatekey", "private_key", "token", "session", "cookie", "card[number]",
    ].map { Array($0.utf8) }

    /// Arrays of `[key, value]` pairs under these keys are scrubbed by their key (headers may come as pairs).
    static let pairContainers: Set<String> = ["headers", "cookies", "env", "data", "query_string", "tags", "extra"]
    /// Values never scanned for card numbers: paths and code identifiers.
    static let identifierKeys: Set<String> = ["filename", "abs_path", "module", "function", "package", "type",
                                              "event_id", "trace_id", "span_id", "parent_span_id", "debug_id"]
    static let ipKeys: Set<String> = ["ip_address", "REMOTE_ADDR", "client_ip"]

    /// The scrubbed JSON text of `root`, or nil when nothing needed scrubbing.
    public static func scrub(_ root: JSONRef, config: ScrubbingConfig = .default) -> [UInt8]? {
        guard config.enabled else { return nil }
        var walker = Walker(config: config, patterns: (config.useDefaults ? defaultKeyPatterns : [])
            + config.sensitiveFields.map { Array($0.utf8) })
        walker.walk(root, sensitive: false, parentKey: "")
        guard !walker.replacements.isEmpty else { return nil }
        let bytes = root.documentBytes
        let range = root.byteRange
        var out: [UInt8] = []
        out.reserveCapacity(range.count)
        var position = range.lowerBound
        for (r, replacement) in walker.replacements.sorted(by: { $0.0.lowerBound < $1.0.lowerBound }) where r.lowerBound >= position {
            out.append(contentsOf: bytes[position..<r.lowerBound])
            out.append(contentsOf: replacement)
            position = r.upperBound
        }
        out.append(contentsOf: bytes[position..<range.upperBound])
        return out
    }

    struct Walker {
        let config: ScrubbingConfig
        let patterns: [[UInt8]]
        var replacements: [(Range<Int>, [UInt8])] = []
        static let filteredJSON = Array("\"[Filtered]\"".utf8)
        static let filteredText = Array("[Filtered]".utf8)

        mutating func walk(_ ref: JSONRef, sensitive: Bool, parentKey: String) {
            switch ref.kind {
            case .object:
                ref.forEachMember { key, value in
                    member(key, value, sensitive: sensitive)
                }
            case .array:
                let pairs = Scrubber.pairContainers.contains(parentKey)
                for element in ref.elements {
                    let parts = pairs && element.kind == .array ? element.elements : []
                    if parts.count == 2, let key = parts[0].stringContents {
                        let keyBytes = Array(ref.documentBytes[key.range])
                        keyBytes.withUnsafeBufferPointer { member($0, parts[1], sensitive: sensitive) }
                    } else {
                        walk(element, sensitive: sensitive, parentKey: parentKey)
                    }
                }
            case .string:
                string(ref, sensitive: sensitive, scanCards: !Scrubber.identifierKeys.contains(parentKey))
            case .number:
                if sensitive { replacements.append((ref.byteRange, Self.filteredJSON)) }
            default:
                break
            }
        }

        private mutating func member(_ key: UnsafeBufferPointer<UInt8>, _ value: JSONRef, sensitive: Bool) {
            let name = String(decoding: key, as: UTF8.self)
            if !config.safeFields.isEmpty, config.safeFields.contains(name.lowercased()) { return }
            if name == "debug_meta" { return }
            if config.scrubIPAddresses, Scrubber.ipKeys.contains(name), !value.isNull {
                replacements.append((value.byteRange, Array("null".utf8)))
                return
            }
            let isSensitive = sensitive || matchesPattern(key)
            if name == "query_string", !isSensitive, let text = value.string, let scrubbed = scrubQuery(text) {
                var writer = JSONWriter()
                writer.string(scrubbed)
                replacements.append((value.byteRange, writer.bytes))
                return
            }
            walk(value, sensitive: isSensitive, parentKey: name)
        }

        private mutating func string(_ ref: JSONRef, sensitive: Bool, scanCards: Bool) {
            guard let (range, _) = ref.stringContents, !range.isEmpty else { return }
            let bytes = ref.documentBytes
            if sensitive {
                if !bytes[range].elementsEqual(Self.filteredText) { replacements.append((ref.byteRange, Self.filteredJSON)) }
                return
            }
            if !config.sensitiveFields.isEmpty {
                let lowered = String(decoding: bytes[range], as: UTF8.self).lowercased()
                if config.sensitiveFields.contains(where: { lowered.contains($0) }) {
                    replacements.append((ref.byteRange, Self.filteredJSON))
                    return
                }
            }
            if config.useDefaults && scanCards {
                for card in CardNumbers.find(bytes, in: range) { replacements.append((card, Self.filteredText)) }
            }
        }

        func matchesPattern(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
            guard !key.isEmpty, key.count <= 256 else { return false }
            var lowered = [UInt8](repeating: 0, count: key.count)
            for i in 0..<key.count {
                var c = key[i]
                if c >= 65 && c <= 90 { c |= 0x20 }
                if c == UInt8(ascii: "-") { c = UInt8(ascii: "_") }
                lowered[i] = c
            }
            return patterns.contains { pattern in
                guard pattern.count <= lowered.count else { return false }
                var start = 0
                while start + pattern.count <= lowered.count {
                    if lowered[start] == pattern[0] && lowered[start..<(start + pattern.count)].elementsEqual(pattern) {
                        return true
                    }
                    start += 1
                }
                return false
            }
        }

        /// `a=1&token=abc` → `a=1&token=[Filtered]`; nil when no pair is sensitive.
        func scrubQuery(_ query: String) -> String? {
            var changed = false
            let pairs = query.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
                guard let eq = pair.firstIndex(of: "=") else { return String(pair) }
                let key = Array(pair[..<eq].utf8)
                let sensitive = key.withUnsafeBufferPointer { matchesPattern($0) }
                guard sensitive, pair[pair.index(after: eq)...] != "[Filtered]" else { return String(pair) }
                changed = true
                return pair[..<eq] + "=[Filtered]"
            }
            return changed ? pairs.joined(separator: "&") : nil
        }
    }
}

/// Credit-card numbers in text: 13–19 digits, optionally grouped by spaces or dashes, with a card
/// network's prefix and a valid Luhn checksum (so timestamps and ids rarely match).
public enum CardNumbers {
    public static func find(_ bytes: [UInt8], in range: Range<Int>) -> [Range<Int>] {
        var found: [Range<Int>] = []
        var i = range.lowerBound
        func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
        func isAlnum(_ c: UInt8) -> Bool { isDigit(c) || ((c | 0x20) >= 97 && (c | 0x20) <= 122) }
        while i < range.upperBound {
            guard isDigit(bytes[i]) else {
                i += 1
                continue
            }
            let start = i
            var digits: [UInt8] = []
            var end = i
            var j = i
            while j < range.upperBound, digits.count <= 19 {
                let c = bytes[j]
                if isDigit(c) {
                    digits.append(c - 48)
                    j += 1
                    end = j
                } else if (c == UInt8(ascii: " ") || c == UInt8(ascii: "-")), j + 1 < range.upperBound, isDigit(bytes[j + 1]) {
                    j += 1
                } else {
                    break
                }
            }
            let before = start > range.lowerBound ? bytes[start - 1] : 0x20
            let after = end < range.upperBound ? bytes[end] : 0x20
            if (13...19).contains(digits.count), !isAlnum(before), before != UInt8(ascii: "."), !isAlnum(after),
               hasCardPrefix(digits), luhn(digits) {
                found.append(start..<end)
            }
            i = max(end, start + 1)
            while i < range.upperBound, isDigit(bytes[i]) { i += 1 }
        }
        return found
    }

    static func hasCardPrefix(_ d: [UInt8]) -> Bool {
        let two = Int(d[0]) * 10 + Int(d[1])
        let four = two * 100 + Int(d[2]) * 10 + Int(d[3])
        switch d[0] {
        case 4: return true                                   // Visa
        case 5: return (51...55).contains(two)                // Mastercard
        case 2: return (2221...2720).contains(four)           // Mastercard 2-series
        case 3: return [34, 37, 36, 38, 35].contains(two) || (300...305).contains(four / 10)  // Amex, Diners, JCB
        case 6: return four == 6011 || two == 65 || (644...649).contains(four / 10) || two == 62  // Discover, UnionPay
        default: return false
        }
    }

    static func luhn(_ d: [UInt8]) -> Bool {
        var sum = 0
        for (index, digit) in d.reversed().enumerated() {
            var v = Int(digit)
            if index % 2 == 1 {
                v *= 2
                if v > 9 { v -= 9 }
            }
            sum += v
        }
        return sum % 10 == 0
    }
}
