/// Why a text of stack-trace rules was refused, with the line (from 1) where it went wrong.
public struct StackTraceRuleError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let reason: String
    public var description: String { line > 0 ? "line \(line): \(reason)" : reason }
}

/// Reads Sentry's stack-trace rule syntax, one rule per line:
///
///     # a comment
///     family:native function:std::* -app
///     stack.module:vendor/** -group
///     [ function:dispatch* ] | function:handle* v-group
///
/// Matchers (`!` negates): `family`, `path`/`stack.abs_path`, `module`/`stack.module`, `function`/`stack.function`,
/// `package`/`stack.package`, `app`, `category`, `error.type`, `error.value`, `error.mechanism`; values may be quoted.
/// Actions: `+app`, `-app`, `+group`, `-group` (prefixed `^` for the frames toward the crash, `v` for the callers),
/// `category=NAME`, `max-frames=N`, `min-frames=N`, `invert-stacktrace=1`.
public enum StackTraceRuleParser {
    public static let maxRules = 500
    public static let maxLineLength = 1_000
    public static let maxTextBytes = 64 * 1024

    public static func parse(_ text: String, builtIn: Bool = false) throws(StackTraceRuleError) -> StackTraceRules {
        guard text.utf8.count <= maxTextBytes else {
            throw StackTraceRuleError(line: 0, reason: "the rules are longer than \(maxTextBytes) bytes")
        }
        var rules: [StackTraceRule] = []
        // Any line ending: `\r\n` is one Character in Swift, so splitting on `\n` alone would keep a Windows text whole.
        for (index, raw) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).enumerated() {
            let line = raw.trimmingCharacters(in: " \t\r")
            if line.isEmpty || line.hasPrefix("#") { continue }
            let number = index + 1
            guard line.count <= maxLineLength else {
                throw StackTraceRuleError(line: number, reason: "the rule is longer than \(maxLineLength) characters")
            }
            guard rules.count < maxRules else {
                throw StackTraceRuleError(line: number, reason: "more than \(maxRules) rules")
            }
            do {
                rules.append(try rule(String(line), builtIn: builtIn))
            } catch let reason as Reason {
                throw StackTraceRuleError(line: number, reason: reason.text)
            } catch {
                throw StackTraceRuleError(line: number, reason: "the rule cannot be read")
            }
        }
        return StackTraceRules(rules)
    }

    struct Reason: Error { let text: String }

    enum Token: Equatable { case open, close, pipe, word(String) }

    static func tokens(_ line: String) throws -> [Token] {
        var out: [Token] = []
        var chars = Array(line)[...]
        while let c = chars.first {
            if c == " " || c == "\t" {
                chars = chars.dropFirst()
                continue
            }
            if c == "[" || c == "]" || c == "|" {
                out.append(c == "[" ? .open : c == "]" ? .close : .pipe)
                chars = chars.dropFirst()
                continue
            }
            var word = ""
            var quoted = false
            while let d = chars.first {
                if quoted {
                    chars = chars.dropFirst()
                    if d == "\\", let next = chars.first {
                        word.append(next)
                        chars = chars.dropFirst()
                    } else if d == "\"" {
                        quoted = false
                    } else {
                        word.append(d)
                    }
                    continue
                }
                if d == " " || d == "\t" { break }
                // A closing bracket ends a word unless the word is inside a one-character class (`[[]`).
                if d == "]", !word.hasSuffix("[") { break }
                if d == "|" { break }
                chars = chars.dropFirst()
                if d == "\"" { quoted = true } else { word.append(d) }
            }
            if quoted { throw Reason(text: "a quoted value is not closed") }
            out.append(.word(word))
        }
        return out
    }

    static func rule(_ line: String, builtIn: Bool) throws -> StackTraceRule {
        var tokens = try tokens(line)[...]
        func matchers(until end: Token?) throws -> [StackTraceRule.Matcher] {
            var found: [StackTraceRule.Matcher] = []
            while let t = tokens.first, t != end, case .word(let w) = t, let m = try matcher(w) {
                found.append(m)
                tokens = tokens.dropFirst()
            }
            return found
        }
        var caller: [StackTraceRule.Matcher] = []
        var callee: [StackTraceRule.Matcher] = []
        if tokens.first == .open {
            tokens = tokens.dropFirst()
            caller = try matchers(until: .close)
            guard tokens.popFirst() == .close, tokens.popFirst() == .pipe, !caller.isEmpty else {
                throw Reason(text: "a caller is written `[ matchers ] |`")
            }
        }
        let frame = try matchers(until: nil)
        guard !frame.isEmpty else {
            throw Reason(text: tokens.first.map { describe($0) }.map { "unknown matcher \($0)" } ?? "a rule needs a matcher")
        }
        if tokens.first == .pipe {
            tokens = tokens.dropFirst()
            guard tokens.popFirst() == .open else { throw Reason(text: "a callee is written `| [ matchers ]`") }
            callee = try matchers(until: .close)
            guard tokens.popFirst() == .close, !callee.isEmpty else { throw Reason(text: "a callee is written `| [ matchers ]`") }
        }
        var actions: [StackTraceRule.Action] = []
        for token in tokens {
            guard case .word(let w) = token else { throw Reason(text: "unexpected \(describe(token))") }
            actions.append(try action(w))
        }
        guard !actions.isEmpty else { throw Reason(text: "a rule needs an action (`+app`, `-group`, …)") }
        return StackTraceRule(caller: caller, frame: frame, callee: callee, actions: actions, text: line, builtIn: builtIn)
    }

    static func describe(_ token: Token) -> String {
        switch token {
        case .open: "`[`"
        case .close: "`]`"
        case .pipe: "`|`"
        case .word(let w): "`\(w.prefix(80))`"
        }
    }

    /// A matcher, or nil when the word is not one (it is then read as an action).
    static func matcher(_ word: String) throws -> StackTraceRule.Matcher? {
        var w = Substring(word)
        let negated = w.first == "!"
        if negated { w = w.dropFirst() }
        guard let colon = w.firstIndex(of: ":") else {
            if negated { throw Reason(text: "unknown matcher `\(word.prefix(80))`") }
            return nil
        }
        let name = String(w[..<colon])
        let value = String(w[w.index(after: colon)...])
        let field: StackTraceRule.Field
        switch name {
        case "family": field = .family
        case "path", "stack.abs_path", "stack.path": field = .path
        case "module", "stack.module": field = .module
        case "function", "stack.function": field = .function
        case "package", "stack.package": field = .package
        case "app", "stack.app": field = .app
        case "category": field = .category
        case "type", "error.type": field = .errorType
        case "value", "error.value": field = .errorValue
        case "mechanism", "error.mechanism": field = .errorMechanism
        default:
            if name.first.map({ $0.isLetter }) ?? false, !name.contains("=") {
                throw Reason(text: "unknown matcher `\(name.prefix(80))`")
            }
            return nil
        }
        guard !value.isEmpty else { throw Reason(text: "`\(name)` needs a value") }
        if let open = value.firstIndex(of: "["), !isSingleCharacterClass(value, at: open) {
            throw Reason(text: "character classes other than `[x]` are not supported (`\(value.prefix(80))`)")
        }
        let isPath = field == .path || field == .package || field == .module
        let caseInsensitive = field == .path || field == .package || field == .errorValue
        var m = StackTraceRule.Matcher(field: field, negated: negated,
                                       pattern: RulePattern(value, path: isPath, caseInsensitive: caseInsensitive))
        m.patternHasSlash = value.contains("/") || value.contains("\\")
        switch field {
        case .family:
            for part in value.split(separator: ",") {
                switch part {
                case "native": m.families.insert(.native)
                case "javascript": m.families.insert(.javascript)
                case "other": m.families.insert(.other)
                case "all": m.families.formUnion([.native, .javascript, .other])
                default: throw Reason(text: "unknown family `\(part.prefix(40))` (native, javascript, other or all)")
                }
            }
        case .app:
            switch value.lowercased() {
            case "yes", "true", "1": m.app = true
            case "no", "false", "0": m.app = false
            default: throw Reason(text: "`app` is yes or no")
            }
        default: break
        }
        return m
    }

    /// Every `[` opens a one-character class `[x]` (and nothing wider).
    static func isSingleCharacterClass(_ value: String, at open: String.Index) -> Bool {
        let chars = Array(value)
        var i = 0
        while i < chars.count {
            if chars[i] == "[" {
                guard i + 2 < chars.count, chars[i + 2] == "]" else { return false }
                i += 3
            } else {
                if chars[i] == "]" { return false }
                i += 1
            }
        }
        return true
    }

    static func action(_ word: String) throws -> StackTraceRule.Action {
        if let eq = word.firstIndex(of: "=") {
            let name = word[..<eq]
            let value = word[word.index(after: eq)...]
            switch name {
            case "category":
                guard !value.isEmpty, value.count <= 64, value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                    throw Reason(text: "a category is a word of letters, digits and `_`")
                }
                return .category(String(value))
            case "max-frames", "min-frames":
                guard let n = Int(value), (0...100).contains(n) else { throw Reason(text: "`\(name)` is a number from 0 to 100") }
                return name == "max-frames" ? .maxFrames(n) : .minFrames(n)
            case "invert-stacktrace":
                switch value.lowercased() {
                case "1", "true", "yes": return .invertStacktrace(true)
                case "0", "false", "no": return .invertStacktrace(false)
                default: throw Reason(text: "`invert-stacktrace` is 1 or 0")
                }
            default:
                throw Reason(text: "unknown action `\(word.prefix(80))`")
            }
        }
        var w = Substring(word)
        var reach = StackTraceRule.Reach.frame
        if w.first == "^" { reach = .callees; w = w.dropFirst() } else if w.first == "v" { reach = .callers; w = w.dropFirst() }
        guard let sign = w.first, sign == "+" || sign == "-" else { throw Reason(text: "unknown action `\(word.prefix(80))`") }
        switch w.dropFirst() {
        case "app": return .inApp(sign == "+", reach)
        case "group": return .group(sign == "+", reach)
        default: throw Reason(text: "unknown action `\(word.prefix(80))`")
        }
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> Substring {
        var s = self
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return s
    }
}
