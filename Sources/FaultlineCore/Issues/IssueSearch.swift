import Foundation
import SentryProtocol

/// Sentry's issue search language: `is:` (unresolved, resolved, ignored, regressed, new, ongoing, unhandled,
/// assigned, unassigned), `level:`, `release:` (and `release:latest`), `firstRelease:`, `environment:`, any tag
/// `key:value` or `tags[key]:value`, `has:key`, `!key:value`, `key:[a, b]`, `user.email:`/`user.id:`/…,
/// `timesSeen:>10`, `userCount:`, `firstSeen:-24h`, `lastSeen:+7d`, `age:-24h` (or absolute dates with `>`/`<`),
/// `assigned:me`, `bookmarks:me`, quoted values, `*` wildcards, and free text (title or culprit). A bad term is an
/// `Invalid` that names its position (the web API answers it 400). The filters it builds are translated to SQL by
/// the store (`IssueQuery`).
public enum IssueSearch {
    /// Why a search was refused: its position and the problem, never the term's text.
    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let detail: String
        public var description: String { detail }
    }

    /// What terms like `me` and `-24h` are relative to.
    public struct Context {
        public var now = Date().timeIntervalSince1970
        public var userID: Int?
        /// A member's user id by `user:ID`, id or email (for `assigned:`).
        public var member: (String) throws -> Int? = { _ in nil }

        public init(now: Double = Date().timeIntervalSince1970) { self.now = now }
    }

    typealias Term = SearchTerm

    public static func apply(_ text: String, to query: inout IssueQuery, context: Context = Context()) throws {
        var freeText: [String] = []
        for term in try terms(text) {
            guard let key = term.key else {
                freeText += term.values
                continue
            }
            try apply(term, key: key, to: &query, context: context)
        }
        if !freeText.isEmpty { query.filters.append(.text(TextMatch(freeText.joined(separator: " ")))) }
    }

    private static func apply(_ term: Term, key: String, to query: inout IssueQuery, context: Context) throws {
        func fail(_ why: String) -> Invalid {
            Invalid(detail: "Invalid search at position \(term.position + 1): \(why)")
        }
        let values = term.values
        let matches = values.map(TextMatch.init)
        switch key {
        case "is":
            for value in values { try applyIs(value, negated: term.negated, to: &query, fail: fail) }
        case "level":
            query.filters.append(.level(values: matches, negated: term.negated))
        case "release":
            query.filters.append(.tag(key: "release", values: values.map { $0 == "latest" ? .latestRelease : TextMatch($0) },
                                      negated: term.negated))
        case "firstRelease", "first_release", "first-release":
            query.filters.append(.firstRelease(values: values.map { $0 == "latest" ? .latestRelease : TextMatch($0) },
                                               negated: term.negated))
        case "has":
            for value in values { query.filters.append(.has(key: value, negated: term.negated)) }
        case "user.email", "user.id", "user.username", "user.ip":
            // An issue's users are the values of its `user` tag: `email:…`, `id:…` (Sentry's sentry:user rule); an email
            // beside an id is kept in a `user.email` tag.
            let prefix = key == "user.ip" ? "ip:" : String(key.dropFirst(5)) + ":"
            let byUser = values.map { TextMatch(prefix + $0) }
            if key == "user.email" {
                query.filters.append(.anyOf([.tag(key: "user", values: byUser, negated: false),
                                             .tag(key: "user.email", values: matches, negated: false)], negated: term.negated))
            } else {
                query.filters.append(.tag(key: "user", values: byUser, negated: term.negated))
            }
        case "timesSeen", "times_seen", "userCount", "user_count":
            guard values.count == 1, !term.negated else { throw fail("takes one number, like >10") }
            let (comparison, rest) = comparisonPrefix(values[0])
            guard let n = Int(rest), n >= 0 else { throw fail("expected a number, like >10 or 5") }
            query.filters.append(.count(key.lowercased().hasPrefix("times") ? .timesSeen : .userCount, comparison, n))
        case "firstSeen", "first_seen", "lastSeen", "last_seen", "age":
            guard values.count == 1, !term.negated else { throw fail("takes one date or age, like -24h or >2026-11-01") }
            let field: IssueFilter.DateField = key.hasPrefix("last") ? .lastSeen : .firstSeen
            query.filters += try dateFilters(values[0], field: field, now: context.now, fail: fail)
        case "assigned", "assigned_to":
            guard values.count == 1 else { throw fail("takes one member: me, an email or user:ID") }
            let wanted = values[0]
            let userID: Int?
            if wanted == "me" {
                guard let me = context.userID else { throw fail("'me' needs a token that acts for a user") }
                userID = me
            } else {
                guard let found = try context.member(wanted) else { throw fail("no member by that name") }
                userID = found
            }
            query.filters.append(.assigned(userID: userID, negated: term.negated))
        case "bookmarks":
            guard values == ["me"], !term.negated else { throw fail("only bookmarks:me is supported") }
            guard let me = context.userID else { throw fail("'me' needs a token that acts for a user") }
            query.filters.append(.bookmarkedBy(userID: me))
        default:
            var tag = key
            if key.hasPrefix("tags[") {
                guard key.hasSuffix("]"), key.count > 6 else { throw fail("expected tags[key]") }
                tag = String(key.dropFirst(5).dropLast())
            }
            query.filters.append(.tag(key: tag, values: matches, negated: term.negated))
        }
    }

    private static func applyIs(_ value: String, negated: Bool, to query: inout IssueQuery,
                                fail: (String) -> Invalid) throws {
        let status: IssueStatus?
        switch value {
        case "unresolved": status = .unresolved
        case "resolved": status = .resolved
        case "ignored", "archived", "muted": status = .ignored
        case "regressed", "escalating", "new", "ongoing":
            guard !negated else { throw fail("'!is:' is not supported") }
            query.statuses.append(.unresolved)
            query.substatus = value
            return
        case "unhandled", "handled":
            query.filters.append(.unhandled((value == "unhandled") != negated))
            return
        case "assigned", "unassigned":
            query.filters.append(.assigned(userID: nil, negated: (value == "unassigned") != negated))
            return
        default:
            throw fail("unknown value (use unresolved, resolved, ignored, regressed, new, ongoing, unhandled, assigned or unassigned)")
        }
        guard let status else { return }
        if negated {
            query.statuses += [IssueStatus.unresolved, .resolved, .ignored].filter { $0 != status }
        } else {
            query.statuses.append(status)
        }
    }

    private static func comparisonPrefix(_ value: String) -> (IssueFilter.Comparison, Substring) {
        for (prefix, comparison) in [(">=", IssueFilter.Comparison.greaterOrEqual), ("<=", .lessOrEqual), (">", .greater),
                                     ("<", .less), ("=", .equal)] where value.hasPrefix(prefix) {
            return (comparison, value.dropFirst(prefix.count))
        }
        return (.equal, Substring(value))
    }

    /// `-24h` (within the last 24 hours), `+7d` (longer ago than 7 days), or a date with a comparison (`>2026-11-01`,
    /// `<=2026-11-01T12:00:00Z`); a bare date means that whole day (UTC).
    private static func dateFilters(_ value: String, field: IssueFilter.DateField, now: Double,
                                    fail: (String) -> Invalid) throws -> [IssueFilter] {
        if let sign = value.first, sign == "-" || sign == "+" {
            let body = value.dropFirst()
            guard let unit = body.last, let seconds = ["s": 1.0, "m": 60, "h": 3600, "d": 86_400, "w": 604_800][String(unit)],
                  let amount = Double(body.dropLast()), amount >= 0, amount.isFinite else {
                throw fail("expected an age like -24h, +7d, -30m or -2w")
            }
            let edge = now - amount * seconds
            return [.date(field, sign == "-" ? .greaterOrEqual : .less, edge)]
        }
        let (comparison, rest) = comparisonPrefix(value)
        let text = String(rest)
        let time: Double?
        let isDay = text.count == 10
        if isDay {
            time = Timestamp.parse(text + "T00:00:00Z")
        } else {
            time = Timestamp.parse(text)
        }
        guard let time else { throw fail("expected an age like -24h or a date like >2026-11-01") }
        if isDay && comparison == .equal {
            return [.date(field, .greaterOrEqual, time), .date(field, .less, time + 86_400)]
        }
        return [.date(field, comparison, time)]
    }

    /// The query's terms; a syntax error names its position.
    static func terms(_ text: String) throws -> [Term] {
        do {
            return try SearchTerms.parse(text)
        } catch {
            throw Invalid(detail: error.description)
        }
    }
}
