/// A project's server-side fingerprint rules, in Sentry's syntax:
///
/// ```
/// # comments
/// error.type:DatabaseError -> database-down
/// message:"*timeout*" -> timeouts, {{ transaction }} title="Timeout in {{ transaction }}"
/// stack.function:charge !app:no -> billing
/// ```
///
/// The first rule whose matchers all hold wins. Frame matchers (`stack.*`, `app`, `family`) must all hold
/// on the same frame. `!` negates a matcher.
public struct FingerprintRules: Sendable, Equatable {
    public struct Matcher: Sendable, Equatable {
        public let key: String
        public let pattern: String
        public let negated: Bool
        /// The pattern compiled once, with the case and path rules of its key.
        let glob: Glob

        init(key: String, pattern: String, negated: Bool) {
            self.key = key
            self.pattern = pattern
            self.negated = negated
            let caseInsensitive = ["error.value", "message", "level", "stack.abs_path", "stack.package"].contains(key)
            glob = Glob(pattern, caseInsensitive: caseInsensitive, path: key == "stack.abs_path" || key == "stack.package")
        }

        var isFrameMatcher: Bool {
            ["stack.abs_path", "stack.module", "stack.function", "stack.package", "family", "app"].contains(key)
        }
    }

    public struct Rule: Sendable, Equatable {
        public var matchers: [Matcher]
        public var fingerprint: [String]
        public var title: String?
        /// The line as written, to show which rule grouped an event.
        public var source: String
    }

    public var rules: [Rule]
    /// Bounds on what a project may configure, so grouping one event stays bounded work (rules × matchers × text).
    public static let maxRules = 200
    public static let maxPatternBytes = 512
    public static let none = FingerprintRules(rules: [])

    public init(rules: [Rule]) {
        self.rules = rules
    }

    public struct ParseError: Error, Equatable, CustomStringConvertible, Sendable {
        public var line: Int
        public var message: String
        public var description: String { "line \(line): \(message)" }
    }

    static let aliases = ["type": "error.type", "value": "error.value", "path": "stack.abs_path",
                          "module": "stack.module", "function": "stack.function", "package": "stack.package"]
    static let keys: Set<String> = ["error.type", "error.value", "message", "logger", "level", "stack.abs_path",
                                    "stack.module", "stack.function", "stack.package", "family", "app", "release",
                                    "sdk", "transaction"]

    /// Parses the rules text; an unknown matcher or a line without `->` is an error naming the line.
    public static func parse(_ text: String) throws(ParseError) -> FingerprintRules {
        var rules: [Rule] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(rawLine).trimmingCharacters(in: " ").trimmingCharacters(in: "\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            var tokens = RuleTokenizer(line)
            var matchers: [Matcher] = []
            while let token = tokens.next(), token != "->" {
                var t = token
                var negated = false
                if t.hasPrefix("!") {
                    negated = true
                    t.removeFirst()
                }
                guard let colon = t.firstIndex(of: ":") else {
                    throw ParseError(line: index + 1, message: "expected matcher:value")
                }
                var key = String(t[..<colon])
                key = aliases[key] ?? key
                guard keys.contains(key) || key.hasPrefix("tags.") else {
                    throw ParseError(line: index + 1, message: "unknown matcher")
                }
                let pattern = RuleTokenizer.unquote(String(t[t.index(after: colon)...]))
                guard pattern.utf8.count <= maxPatternBytes else {
                    throw ParseError(line: index + 1, message: "a pattern is longer than 512 bytes")
                }
                matchers.append(Matcher(key: key, pattern: pattern, negated: negated))
            }
            guard !matchers.isEmpty else { throw ParseError(line: index + 1, message: "a rule needs at least one matcher") }
            guard let arrow = line.range(ofText: "->") else { throw ParseError(line: index + 1, message: "missing '->'") }
            var rhs = String(line[arrow.upperBound...])
            var title: String?
            if let t = rhs.range(ofText: "title=") {
                title = RuleTokenizer.unquote(String(rhs[t.upperBound...]).trimmingCharacters(in: " "))
                rhs = String(rhs[..<t.lowerBound])
            }
            let values = rhs.split(separator: ",").map { RuleTokenizer.unquote(String($0).trimmingCharacters(in: " ")) }
                .filter { !$0.isEmpty }
            guard !values.isEmpty else { throw ParseError(line: index + 1, message: "a rule needs a fingerprint after '->'") }
            guard rules.count < maxRules else { throw ParseError(line: index + 1, message: "more than 200 rules") }
            rules.append(Rule(matchers: matchers, fingerprint: values, title: title, source: line))
        }
        return FingerprintRules(rules: rules)
    }

    func firstMatch(_ facts: EventFacts) -> Rule? {
        rules.first { matches($0, facts) }
    }

    func matches(_ rule: Rule, _ facts: EventFacts) -> Bool {
        for m in rule.matchers where !m.isFrameMatcher {
            if eventMatch(m, facts) == m.negated { return false }
        }
        let frameMatchers = rule.matchers.filter(\.isFrameMatcher)
        guard !frameMatchers.isEmpty else { return true }
        let frames = facts.exceptions.flatMap(\.frames) + facts.threadFrames
        return frames.contains { frame in
            frameMatchers.allSatisfy { frameMatch($0, frame, facts) != $0.negated }
        }
    }

    private func eventMatch(_ m: Matcher, _ facts: EventFacts) -> Bool {
        switch m.key {
        case "error.type":
            return facts.exceptions.contains { m.glob.matches($0.type ?? "") }
        case "error.value":
            return facts.exceptions.contains { m.glob.matches($0.value ?? "") }
        case "message":
            let texts = [facts.messageFormatted].compactMap { $0 } + facts.exceptions.compactMap(\.value)
            return texts.contains { m.glob.matches($0) }
        case "logger": return m.glob.matches(facts.logger ?? "")
        case "level": return m.glob.matches(facts.level ?? "error")
        case "transaction": return m.glob.matches(facts.transaction ?? "")
        default:
            if m.key.hasPrefix("tags.") {
                let key = m.key.dropFirst(5)
                return facts.tags.contains { $0.key == key && m.glob.matches($0.value) }
            }
            return false
        }
    }

    private func frameMatch(_ m: Matcher, _ frame: StackFrame, _ facts: EventFacts) -> Bool {
        switch m.key {
        case "stack.abs_path":
            return [frame.absPath, frame.filename].contains { $0.map { m.glob.matches($0) } ?? false }
        case "stack.module": return m.glob.matches(frame.module ?? "")
        case "stack.function": return m.glob.matches(frame.function ?? "")
        case "stack.package": return m.glob.matches(frame.package ?? "")
        case "app":
            let inApp = frame.inApp
            return ["yes", "true", "1"].contains(m.pattern.lowercased()) ? inApp : !inApp
        case "family":
            let platform = frame.platform ?? facts.platform
            let family = ["javascript", "node"].contains(platform) ? "javascript"
                : ["native", "c", "cocoa", "swift", "objc"].contains(platform) ? "native" : "other"
            return m.pattern.split(separator: ",").contains { $0 == family || $0 == "all" }
        default: return false
        }
    }
}

/// Splits a rule line into whitespace-separated tokens, keeping quoted values (with `\` escapes) whole.
struct RuleTokenizer {
    private var chars: [Character]
    private var i = 0

    init(_ line: String) {
        chars = Array(line)
    }

    mutating func next() -> String? {
        while i < chars.count, chars[i] == " " || chars[i] == "\t" { i += 1 }
        guard i < chars.count else { return nil }
        var token = ""
        var quoted = false
        while i < chars.count {
            let c = chars[i]
            if c == "\\", i + 1 < chars.count {
                token.append(c)
                token.append(chars[i + 1])
                i += 2
                continue
            }
            if c == "\"" { quoted.toggle() }
            if !quoted, c == " " || c == "\t" { break }
            token.append(c)
            i += 1
        }
        return token
    }

    /// Removes surrounding quotes; keeps `\` escapes for the glob matcher.
    static func unquote(_ s: String) -> String {
        if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") { return String(s.dropFirst().dropLast()) }
        return s
    }
}
