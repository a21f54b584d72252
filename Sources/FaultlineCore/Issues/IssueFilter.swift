/// One condition of an issue search beyond status and sort (Sentry's search keys), as the store evaluates it.
public enum IssueFilter: Sendable, Equatable {
    /// A tag's value (any tag, including `release`, `environment`, `user`) matches one of `values`; negated: none does.
    case tag(key: String, values: [TextMatch], negated: Bool)
    /// Any of several filters holds (negated: none does); `user.email:` is the `user` tag's `email:…` or the
    /// `user.email` tag kept beside an id.
    indirect case anyOf([IssueFilter], negated: Bool)
    /// The issue has (or, negated, lacks) any value for the tag.
    case has(key: String, negated: Bool)
    case firstRelease(values: [TextMatch], negated: Bool)
    case level(values: [TextMatch], negated: Bool)
    case count(CountField, Comparison, Int)
    case date(DateField, Comparison, Double)
    case unhandled(Bool)
    /// Assigned to this user; nil: to anyone. Negated: not (so `is:unassigned` is `.assigned(nil, negated: true)`).
    case assigned(userID: Int?, negated: Bool)
    case bookmarkedBy(userID: Int)
    /// Free text in the title or culprit (`*` wildcards allowed).
    case text(TextMatch)

    public enum CountField: String, Sendable { case timesSeen = "times_seen", userCount = "user_count" }
    public enum DateField: String, Sendable { case firstSeen = "first_seen", lastSeen = "last_seen" }

    public enum Comparison: String, Sendable {
        case equal = "=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
    }
}

/// How a search value matches text.
public enum TextMatch: Sendable, Equatable {
    case exact(String)
    /// With `*` wildcards (any run of characters).
    case pattern(String)
    /// The newest release of the project (Sentry's `release:latest`).
    case latestRelease

    /// `*` makes a pattern; otherwise the value is taken as it is.
    public init(_ value: String) {
        self = value.contains("*") ? .pattern(value) : .exact(value)
    }
}
