import EventProcessing
import Foundation

/// A metric alert's query: Sentry's search terms over one event, all of which must hold. `event.type:`,
/// `is:unresolved|resolved|ignored|unhandled|handled`, `level:`, `environment:`, `release:`, `transaction:`,
/// `transaction.op:`, `transaction.status:`, `platform:`, `message:`, `title:`, `error.type:`, `error.unhandled:`,
/// `user.id:`/`user.email:`/…, `has:key`, any tag `key:value` or `tags[key]:value`, `!` to negate, `[a, b]` lists,
/// `*` wildcards, and free text (in the message, title or transaction name).
public struct EventQuery: Sendable {
    enum Field: String, Sendable {
        case eventType = "event.type", level, environment, release, transaction, op = "transaction.op"
        case status = "transaction.status", platform, message, title, errorType = "error.type"
    }

    enum Term: Sendable {
        case field(Field, [TextMatch], negated: Bool)
        case tag(String, [TextMatch], negated: Bool)
        case has(String, negated: Bool)
        case issueStatus([IssueStatus], negated: Bool)
        case unhandled(Bool)
        case text(TextMatch)
    }

    let terms: [Term]

    public init(_ text: String) throws(SearchSyntaxError) {
        var terms: [Term] = []
        var freeText: [String] = []
        for term in try SearchTerms.parse(text) {
            guard let key = term.key else {
                freeText += term.values
                continue
            }
            let matches = term.values.map(TextMatch.init)
            func fail(_ why: String) -> SearchSyntaxError {
                SearchSyntaxError("Invalid query at position \(term.position + 1) ('\(key.prefix(40))'): \(why)")
            }
            if let field = Field(rawValue: key) {
                terms.append(.field(field, matches, negated: term.negated))
                continue
            }
            switch key {
            case "is":
                for value in term.values {
                    switch value {
                    case "unresolved": terms.append(.issueStatus([.unresolved], negated: term.negated))
                    case "resolved": terms.append(.issueStatus([.resolved], negated: term.negated))
                    case "ignored", "archived": terms.append(.issueStatus([.ignored], negated: term.negated))
                    case "unhandled", "handled": terms.append(.unhandled((value == "unhandled") != term.negated))
                    default: throw fail("use unresolved, resolved, ignored, unhandled or handled")
                    }
                }
            case "error.unhandled", "error.handled":
                guard term.values.count == 1, let flag = ["true": true, "1": true, "false": false, "0": false][term.values[0]] else {
                    throw fail("takes true or false")
                }
                let unhandled = key == "error.unhandled" ? flag : !flag
                terms.append(.unhandled(unhandled != term.negated))
            case "has":
                for value in term.values { terms.append(.has(value, negated: term.negated)) }
            case "user.id", "user.email", "user.username", "user.ip":
                let prefix = key == "user.ip" ? "ip:" : String(key.dropFirst(5)) + ":"
                terms.append(.tag("user", term.values.map { TextMatch(prefix + $0) }, negated: term.negated))
            default:
                if key.hasPrefix("tags[") {
                    guard key.hasSuffix("]"), key.count > 6 else { throw fail("expected tags[key]") }
                    terms.append(.tag(String(key.dropFirst(5).dropLast()), matches, negated: term.negated))
                } else {
                    guard !key.hasSuffix(")") else { throw fail("functions are not supported in a query") }
                    terms.append(.tag(key, matches, negated: term.negated))
                }
            }
        }
        if !freeText.isEmpty { terms.append(.text(TextMatch("*" + freeText.joined(separator: " ") + "*"))) }
        self.terms = terms
    }

    public var isEmpty: Bool { terms.isEmpty }

    public func matches(_ s: MetricSample) -> Bool {
        terms.allSatisfy { holds($0, s) }
    }

    private func holds(_ term: Term, _ s: MetricSample) -> Bool {
        switch term {
        case .field(let field, let matches, let negated):
            let values = Self.values(field, s)
            return matches.contains { m in values.contains { Self.match(m, $0) } } != negated
        case .tag(let key, let matches, let negated):
            return matches.contains { m in s.tags.contains { $0.key == key && Self.match(m, $0.value) } } != negated
        case .has(let key, let negated):
            let present = s.tags.contains { $0.key == key } || Field(rawValue: key).map { !Self.values($0, s).isEmpty } == true
            return present != negated
        case .issueStatus(let statuses, let negated):
            guard let status = s.issueStatus else { return false }
            return statuses.contains(status) != negated
        case .unhandled(let wanted):
            return s.kind == .error && s.unhandled == wanted
        case .text(let m):
            return [s.message, s.title, s.transaction].contains { $0.map { Self.match(m, $0) } ?? false }
        }
    }

    private static func values(_ field: Field, _ s: MetricSample) -> [String] {
        switch field {
        case .eventType: [s.kind == .transaction ? "transaction" : "error"]
        case .level: s.level.map { [$0] } ?? []
        case .environment: s.environment.map { [$0] } ?? []
        case .release: s.release.map { [$0] } ?? []
        case .transaction: s.transaction.map { [$0] } ?? []
        case .op: s.op.map { [$0] } ?? []
        case .status: s.status.map { [$0] } ?? []
        case .platform: s.platform.map { [$0] } ?? []
        case .message: s.message.map { [$0] } ?? []
        case .title: s.title.map { [$0] } ?? []
        case .errorType: s.exceptionTypes
        }
    }

    /// Exact values compare as written; `*` patterns ignore case and look at the first 1,024 characters (this runs for
    /// every event a rule watches; `Glob` matches in linear time whatever the stars).
    static func match(_ m: TextMatch, _ value: String) -> Bool {
        switch m {
        case .exact(let wanted): return value == wanted
        case .pattern(let pattern):
            return Glob(pattern, caseInsensitive: true, starsOnly: true).matches(String(String.UnicodeScalarView(value.unicodeScalars.prefix(1024))))
        case .latestRelease: return false
        }
    }
}
