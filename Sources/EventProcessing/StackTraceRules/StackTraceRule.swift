/// One line of stack-trace rules, in Sentry's enhancement syntax (`family:native function:std::* -app`): matchers
/// that must all hold for a frame (optionally for its caller `[ … ] |` and its callee `| [ … ]`), and the actions
/// taken when they do. Built-in rules and a project's own rules are the same values (see `StackTraceRules`).
public final class StackTraceRule: Sendable {
    /// Sentry's platform families: `native` (C, C++, Objective-C, Swift), `javascript` (browser and Node), and
    /// `other` for everything else.
    public enum Family: Sendable, Hashable {
        case native, javascript, other

        init(platform: String) {
            switch platform {
            case "objc", "cocoa", "swift", "native", "c": self = .native
            case "javascript", "node": self = .javascript
            default: self = .other
            }
        }
    }

    public enum Field: Sendable, Equatable {
        case family, path, module, function, package, app, category, errorType, errorValue, errorMechanism
    }

    public struct Matcher: Sendable {
        var field: Field
        var negated: Bool
        var pattern: RulePattern
        /// `family:` matchers: the families listed (`all` is every family).
        var families: Set<Family> = []
        /// `app:` matchers: the in-app value asked for.
        var app = false
        /// A path or package pattern without `/` names a file: it is also tried on the last path element.
        var patternHasSlash = true
    }

    /// Which frames an action changes: the matched frame, the frames it called (`^`, toward the crash) or the frames
    /// that called it (`v`).
    public enum Reach: Sendable, Equatable { case frame, callees, callers }

    public enum Action: Sendable, Equatable {
        case inApp(Bool, Reach)
        case group(Bool, Reach)
        case category(String)
        /// Only the N contributing frames nearest the crash count.
        case maxFrames(Int)
        /// A stack trace with fewer contributing frames than N does not count at all.
        case minFrames(Int)
        /// Accepted for compatibility: it changes only Sentry's hierarchical grouping, which Faultline does not have.
        case invertStacktrace(Bool)
    }

    let caller: [Matcher]
    let frame: [Matcher]
    let callee: [Matcher]
    let actions: [Action]
    /// The rule as written, named in grouping explanations.
    public let text: String
    /// Whether it is one of the rules the strategy ships with (explanations say "built-in rule").
    public let builtIn: Bool
    /// Whether an `error.*` matcher reads the stack's exception (most rules read only frames).
    let readsException: Bool
    /// Its explanation texts, made once.
    let inAppNote: String
    let ignoredNote: String

    init(caller: [Matcher], frame: [Matcher], callee: [Matcher], actions: [Action], text: String, builtIn: Bool) {
        self.caller = caller
        self.frame = frame
        self.callee = callee
        self.actions = actions
        self.text = text
        self.builtIn = builtIn
        readsException = (caller + frame + callee).contains {
            $0.field == .errorType || $0.field == .errorValue || $0.field == .errorMechanism
        }
        inAppNote = builtIn ? "built-in rule \(text)" : "stack-trace rule \(text)"
        ignoredNote = builtIn ? "ignored by built-in rule \(text)" : "ignored by stack-trace rule \(text)"
    }
}

/// A glob compiled to the cheapest test that decides it: most rule patterns are a literal, a prefix (`std::*`), a
/// suffix or a substring (`**/node_modules/**`), checked without the general matcher (which is linear too, but
/// allocates per call).
struct RulePattern: Sendable {
    enum Kind: Sendable {
        case exact(String), prefix(String), suffix(String), contains(String), glob(Glob)
        /// `X*` and `*X` in a path pattern: the star stays within one segment (no `/` in what it matches).
        case prefixInSegment(String), suffixInSegment(String)
    }

    let kind: Kind
    /// Texts are lower-cased by the caller before matching (once per frame, not once per rule).
    let caseInsensitive: Bool

    /// `path`: `*` stays within one path segment and `**` crosses them (paths, packages, modules); otherwise `*`
    /// matches anything. `[x]` (a one-character class, as in `?[[]Sentry*`) stands for `x` itself.
    init(_ source: String, path: Bool, caseInsensitive: Bool) {
        self.caseInsensitive = caseInsensitive
        var pattern = caseInsensitive ? source.lowercased() : source
        if path { pattern = pattern.replacingBackslashes() }
        pattern = RulePattern.escapingSingleCharacterClasses(pattern)
        let special = pattern.unicodeScalars.contains { $0 == "?" || $0 == "\\" }
        // Split on runs of stars; each run notes whether it may cross `/`.
        var parts: [String] = []
        var runs: [Bool] = []
        var current = ""
        var scalars = pattern.unicodeScalars.makeIterator()
        var pendingRun = 0
        func closeRun() {
            if pendingRun > 0 {
                parts.append(current)
                runs.append(!path || pendingRun >= 2)
                current = ""
                pendingRun = 0
            }
        }
        while let s = scalars.next() {
            if s == "*" {
                pendingRun += 1
            } else {
                closeRun()
                current.unicodeScalars.append(s)
            }
        }
        closeRun()
        parts.append(current)
        if special {
            kind = .glob(Glob(pattern, path: path))
        } else if runs.isEmpty {
            kind = .exact(pattern)
        } else if runs.count == 1, parts[1].isEmpty {
            kind = runs[0] ? .prefix(parts[0]) : .prefixInSegment(parts[0])
        } else if runs.count == 1, parts[0].isEmpty {
            kind = runs[0] ? .suffix(parts[1]) : .suffixInSegment(parts[1])
        } else if runs.count == 2, runs[0], runs[1], parts[0].isEmpty, parts[2].isEmpty, parts[1].utf8.count <= 64 {
            // A plain substring search costs text × needle: fine for a short needle; a long one takes the automaton.
            kind = .contains(parts[1])
        } else {
            kind = .glob(Glob(pattern, path: path))
        }
    }

    func matches(_ text: String) -> Bool {
        switch kind {
        case .exact(let s): text == s
        case .prefix(let s): text.hasPrefix(s)
        case .suffix(let s): text.hasSuffix(s)
        case .contains(let s): s.isEmpty || text.containsText(s)
        case .glob(let glob): glob.matches(text)
        case .prefixInSegment(let s):
            text.hasPrefix(s) && !text.utf8.dropFirst(s.utf8.count).contains(UInt8(ascii: "/"))
        case .suffixInSegment(let s):
            text.hasSuffix(s) && !text.utf8.dropLast(s.utf8.count).contains(UInt8(ascii: "/"))
        }
    }

    /// `[x]` → `\x`; wider classes are left as written (the parser refuses them).
    static func escapingSingleCharacterClasses(_ pattern: String) -> String {
        guard pattern.contains("[") else { return pattern }
        let chars = Array(pattern)
        var out = ""
        var i = 0
        while i < chars.count {
            if chars[i] == "[", i + 2 < chars.count, chars[i + 2] == "]" {
                out.append("\\")
                out.append(chars[i + 1])
                i += 3
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        return out
    }
}

extension String {
    func replacingBackslashes() -> String {
        guard utf8.contains(UInt8(ascii: "\\")) else { return self }
        return String(decoding: utf8.map { $0 == UInt8(ascii: "\\") ? UInt8(ascii: "/") : $0 }, as: UTF8.self)
    }
}
