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

    static let debugMeta: StaticString = "debug_meta"
    static let queryString: StaticString = "query_string"

    /// What a key means to the walk below it; compared as bytes, since every key of an event passes here.
    enum KeyRole {
        case other
        /// Arrays of `[key, value]` pairs under these keys are scrubbed by their key (headers may come as pairs).
        case pairContainer
        /// Values never scanned for card numbers: paths and code identifiers.
        case identifier
    }

    static func role(_ key: UnsafeBufferPointer<UInt8>) -> KeyRole {
        switch key.count {
        case 3: return key.equals("env") ? .pairContainer : .other
        case 4: return key.equals("data") || key.equals("tags") ? .pairContainer : key.equals("type") ? .identifier : .other
        case 5: return key.equals("extra") ? .pairContainer : .other
        case 6: return key.equals("module") ? .identifier : .other
        case 7:
            if key.equals("headers") || key.equals("cookies") { return .pairContainer }
            return key.equals("package") || key.equals("span_id") ? .identifier : .other
        case 8:
            return key.equals("filename") || key.equals("abs_path") || key.equals("function") || key.equals("event_id")
                || key.equals("trace_id") || key.equals("debug_id") ? .identifier : .other
        case 12: return key.equals("query_string") ? .pairContainer : .other
        case 14: return key.equals("parent_span_id") ? .identifier : .other
        default: return .other
        }
    }

    /// Keys whose string values are URLs: `request.url`, breadcrumb `data.url` / `to` / `from`, span `http.url`.
    static func isURLKey(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        switch key.count {
        case 2: key.equals("to")
        case 3: key.equals("url")
        case 4: key.equals("from")
        case 8: key.equals("http.url") || key.equals("url.full")
        default: false
        }
    }

    static func isIPKey(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
        key.equals("ip_address") || key.equals("REMOTE_ADDR") || key.equals("client_ip")
    }

    /// The scrubbed JSON text of the document, or nil when nothing needed scrubbing.
    public static func scrub(_ document: JSONDocument, config: ScrubbingConfig = .default) -> [UInt8]? {
        guard config.enabled else { return nil }
        let walker = Walker(config: config, patterns: (config.useDefaults ? defaultKeyPatterns : [])
            + config.sensitiveFields.map { Array($0.utf8) },
                            prefilter: config.sensitiveFields.isEmpty && config.useDefaults)
        walker.scan(document)
        guard !walker.replacements.isEmpty else { return nil }
        let bytes = document.bytes
        let range = document.root.byteRange
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

    /// The default patterns laid out for `matchesDefaultPattern`: for every two-byte pair (folded), a bit per pattern
    /// that starts with it, and the patterns' bytes in one buffer. Built once and kept; read-only after.
    struct DefaultPatternTable: @unchecked Sendable {
        let starts: UnsafeMutablePointer<UInt16>
        let bytes: UnsafeMutablePointer<UInt8>
        let offsets: [Int]
        let shortest: Int

        init(_ patterns: [[UInt8]]) {
            precondition(patterns.count <= 16 && patterns.allSatisfy { $0.count >= 2 })
            starts = UnsafeMutablePointer<UInt16>.allocate(capacity: 65_536)
            starts.initialize(repeating: 0, count: 65_536)
            for (n, p) in patterns.enumerated() { starts[Int(p[0]) << 8 | Int(p[1])] |= 1 << n }
            let flat = patterns.flatMap { $0 }
            bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: flat.count)
            bytes.initialize(from: flat, count: flat.count)
            offsets = patterns.reduce(into: [0]) { $0.append($0[$0.count - 1] + $1.count) }
            shortest = patterns.map(\.count).min() ?? 0
        }
    }

    static let defaultTable = DefaultPatternTable(defaultKeyPatterns)

    /// One linear pass over the tape with a stack of open containers, so each value costs a few compares:
    /// every event passes through here before anything is stored.
    /// A class: as a struct holding arrays it was copied (every array retained) on each method call made
    /// from inside the scan's closures.
    final class Walker {
        init(config: ScrubbingConfig, patterns: [[UInt8]], prefilter: Bool) {
            self.config = config
            self.patterns = patterns
            self.prefilter = prefilter
            table = Scrubber.defaultTable
            hasSensitiveFields = !config.sensitiveFields.isEmpty
            hasSafeFields = !config.safeFields.isEmpty
            useDefaults = config.useDefaults
        }

        let table: DefaultPatternTable
        // Read per value in the walk; kept as plain flags so the walk does not touch the config's arrays.
        let hasSensitiveFields: Bool
        let hasSafeFields: Bool
        let useDefaults: Bool

        let config: ScrubbingConfig
        let patterns: [[UInt8]]
        /// Only the default patterns are in use, so the two-byte start table applies.
        let prefilter: Bool
        var replacements: [(Range<Int>, [UInt8])] = []
        static let filteredJSON = Array("\"[Filtered]\"".utf8)
        static let filteredText = Array("[Filtered]".utf8)

        private struct Frame {
            var end: Int
            var isObject: Bool
            /// Everything below is filtered (an ancestor key matched).
            var sensitive: Bool
            /// The role of the key this container sits under (pair arrays, identifiers).
            var role: KeyRole
            /// Objects: the next node is a key. Pair arrays (`[key, value]`): the next node is the key.
            var expectKey: Bool
            /// Set by a key: how its value is treated.
            var pendingSensitive = false
            var pendingRole = KeyRole.other
            var skipValue = false
            var nullValue = false
            var queryValue = false
            /// The value is a URL (`request.url`, a breadcrumb's `data.url`): its query string is scrubbed by key.
            var urlValue = false
            var isPair = false
        }

        func scan(_ document: JSONDocument) {
            document.withTape { tape, bytes in scan(tape, bytes) }
        }

        private func scan(_ tape: UnsafeBufferPointer<JSONDocument.Node>, _ bytes: UnsafeBufferPointer<UInt8>) {
            // The parser caps nesting at JSONDocument.maxDepth, so a fixed stack suffices.
            withUnsafeTemporaryAllocation(of: Frame.self, capacity: JSONDocument.maxDepth + 2) { stack in
                var depth = 0
                var i = 0
                let count = tape.count
                // The innermost open container and its end live in locals, not the stack: they are read at every
                // node. `stack[depth - 1]` holds it only while a child container is open.
                var top = Frame(end: 0, isObject: false, sensitive: false, role: .other, expectKey: false)
                var innermostEnd = Int.max
                while i < count {
                    while i >= innermostEnd {
                        depth -= 1
                        if depth > 0 {
                            top = stack[depth - 1]
                            innermostEnd = top.end
                        } else {
                            innermostEnd = Int.max
                        }
                    }
                    let n = tape[i]
                    let next = n.isContainer ? Int(n.next) : i + 1
                    // Where this node sits: a key, an object member's value, an array element, or the root.
                    var sensitive = false
                    var role = KeyRole.other
                    if depth > 0 {
                        if top.expectKey {
                            top.expectKey = false
                            if n.kind == .string { key(bytes, n, frame: &top) }
                            i = top.isObject ? i + 1 : next
                            continue
                        }
                        if top.isObject || top.isPair {
                            top.expectKey = top.isObject
                            if top.skipValue {
                                i = next
                                continue
                            }
                            if top.nullValue {
                                if n.kind != .null {
                                    // A string's node range excludes its quotes; the replacement covers them too.
                                    let whole = n.kind == .string ? Int(n.start - 1)..<Int(n.end + 1) : Int(n.start)..<Int(n.end)
                                    replacements.append((whole, Array("null".utf8)))
                                }
                                i = next
                                continue
                            }
                            sensitive = top.pendingSensitive
                            role = top.pendingRole
                            if top.queryValue, n.kind == .string, !sensitive {
                                query(bytes, n)
                                i = next
                                continue
                            }
                            if top.urlValue, n.kind == .string, !sensitive, url(bytes, n) {
                                i = next
                                continue
                            }
                        } else {
                            sensitive = top.sensitive
                            role = top.role
                        }
                    }
                    switch n.kind {
                    case .object:
                        if depth > 0 { stack[depth - 1] = top }
                        top = Frame(end: next, isObject: true, sensitive: sensitive, role: role, expectKey: true)
                        depth += 1
                        innermostEnd = next
                    case .array:
                        let isPair = depth > 0 && !top.isObject && !top.isPair && top.role == .pairContainer && n.count == 2
                        if depth > 0 { stack[depth - 1] = top }
                        top = Frame(end: next, isObject: false, sensitive: sensitive, role: role, expectKey: isPair,
                                    pendingSensitive: sensitive, isPair: isPair)
                        depth += 1
                        innermostEnd = next
                    case .string:
                        if sensitive || hasSensitiveFields || (useDefaults && role != .identifier) {
                            string(bytes, n, sensitive: sensitive, scanCards: role != .identifier)
                        }
                    case .number:
                        if sensitive { replacements.append((Int(n.start)..<Int(n.end), Self.filteredJSON)) }
                    default:
                        break
                    }
                    i += 1
                }
            }
        }

        /// Decides how the value after this key is treated.
        private func key(_ bytes: UnsafeBufferPointer<UInt8>, _ n: JSONDocument.Node, frame: inout Frame) {
            frame.skipValue = false
            frame.nullValue = false
            frame.queryValue = false
            frame.urlValue = false
            frame.pendingRole = .other
            frame.pendingSensitive = frame.sensitive
            let range = Int(n.start)..<Int(n.end)
            if n.escaped {
                let decoded = Array(JSONStrings.decode(bytes, range).utf8)
                decoded.withUnsafeBufferPointer { classify($0, frame: &frame) }
            } else {
                classify(UnsafeBufferPointer(rebasing: bytes[range]), frame: &frame)
            }
        }

        /// A method rather than a nested function: capturing `self` in a closure copied the whole walker per key.
        private func classify(_ key: UnsafeBufferPointer<UInt8>, frame: inout Frame) {
            if hasSafeFields, config.safeFields.contains(String(decoding: key, as: UTF8.self).lowercased()) {
                frame.skipValue = true
                return
            }
            if key.equals(Scrubber.debugMeta) {
                frame.skipValue = true
                return
            }
            if config.scrubIPAddresses, Scrubber.isIPKey(key) {
                frame.nullValue = true
                return
            }
            if !frame.pendingSensitive && matchesPattern(key) { frame.pendingSensitive = true }
            frame.queryValue = key.equals(Scrubber.queryString) || key.equals("http.query")
            frame.urlValue = Scrubber.isURLKey(key)
            frame.pendingRole = Scrubber.role(key)
        }

        private func query(_ bytes: UnsafeBufferPointer<UInt8>, _ n: JSONDocument.Node) {
            let text = JSONStrings.decode(bytes, Int(n.start)..<Int(n.end))
            guard let scrubbed = scrubQuery(text) else { return }
            var writer = JSONWriter()
            writer.string(scrubbed)
            replacements.append((Int(n.start - 1)..<Int(n.end + 1), writer.bytes))
        }

        /// Scrubs the query of a URL value (`https://h/p?token=…#f`); false when it had nothing to scrub.
        private func url(_ bytes: UnsafeBufferPointer<UInt8>, _ n: JSONDocument.Node) -> Bool {
            let range = Int(n.start)..<Int(n.end)
            guard bytes[range].contains(UInt8(ascii: "?")) else { return false }
            let text = JSONStrings.decode(bytes, range)
            guard let question = text.firstIndex(of: "?") else { return false }
            let fragmentStart = text[question...].firstIndex(of: "#") ?? text.endIndex
            let query = String(text[text.index(after: question)..<fragmentStart])
            guard let scrubbed = scrubQuery(query) else { return false }
            var writer = JSONWriter()
            writer.string(text[...question] + scrubbed + text[fragmentStart...])
            replacements.append((Int(n.start - 1)..<Int(n.end + 1), writer.bytes))
            return true
        }

        private func string(_ bytes: UnsafeBufferPointer<UInt8>, _ n: JSONDocument.Node, sensitive: Bool,
                                     scanCards: Bool) {
            let range = Int(n.start)..<Int(n.end)
            guard !range.isEmpty else { return }
            let quoted = (range.lowerBound - 1)..<(range.upperBound + 1)
            if sensitive {
                if !bytes[range].elementsEqual(Self.filteredText) { replacements.append((quoted, Self.filteredJSON)) }
                return
            }
            if hasSensitiveFields {
                let lowered = String(decoding: bytes[range], as: UTF8.self).lowercased()
                if config.sensitiveFields.contains(where: { lowered.containsText($0) }) {
                    replacements.append((quoted, Self.filteredJSON))
                    return
                }
            }
            // A card number has at least 13 digits; most strings are shorter than that.
            if useDefaults && scanCards && range.count >= 13 && CardNumbers.hasDigits(bytes, in: range, atLeast: 13) {
                CardNumbers.find(bytes, in: range) { replacements.append(($0, Self.filteredText)) }
            }
        }

        func matchesPattern(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
            guard !key.isEmpty, key.count <= 256 else { return false }
            if prefilter { return matchesDefaultPattern(key) }
            for i in 0..<key.count {
                let a = Self.fold(key[i])
                for pattern in patterns where pattern.count <= key.count - i && pattern[0] == a {
                    var k = 1
                    while k < pattern.count, Self.fold(key[i + k]) == pattern[k] { k += 1 }
                    if k == pattern.count { return true }
                }
            }
            return false
        }

        /// With only the default patterns, each position costs one table lookup, and only the patterns that
        /// start with its two bytes are compared in full: every key of every event passes here.
        private func matchesDefaultPattern(_ key: UnsafeBufferPointer<UInt8>) -> Bool {
            let table = self.table
            guard key.count >= table.shortest else { return false }
            var previous = Self.fold(key[0])
            for i in 1..<key.count {
                let current = Self.fold(key[i])
                var candidates = table.starts[Int(previous) << 8 | Int(current)]
                previous = current
                while candidates != 0 {
                    let n = candidates.trailingZeroBitCount
                    candidates &= candidates - 1
                    let start = table.offsets[n]
                    let length = table.offsets[n + 1] - start
                    guard i - 1 + length <= key.count else { continue }
                    var k = 2
                    while k < length, Self.fold(key[i - 1 + k]) == table.bytes[start + k] { k += 1 }
                    if k == length { return true }
                }
            }
            return false
        }

        /// ASCII lower case, with `-` read as `_` (`X-Api-Key` matches `api_key`).
        @inline(__always)
        static func fold(_ c: UInt8) -> UInt8 {
            if c >= 65 && c <= 90 { return c | 0x20 }
            return c == UInt8(ascii: "-") ? UInt8(ascii: "_") : c
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
