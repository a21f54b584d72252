/// What one user sees of an issue besides its data: its assignee (shared) and, per user, whether it is bookmarked
/// and when it was last looked at (Sentry's `assignedTo`, `isBookmarked`, `hasSeen`).
public struct IssueTriage: Sendable, Equatable {
    public var assignee: User?
    public var isBookmarked = false
    public var seenAt: Double?

    public init(assignee: User? = nil, isBookmarked: Bool = false, seenAt: Double? = nil) {
        self.assignee = assignee
        self.isBookmarked = isBookmarked
        self.seenAt = seenAt
    }

    /// Seen since its last event: a new event makes it unseen again.
    public func hasSeen(_ issue: Issue) -> Bool {
        (seenAt ?? -1) >= issue.lastSeen
    }
}

/// A triage change from `PUT /api/0/issues/{id}/`; nil leaves a field as it is.
public struct IssueTriageChange: Sendable {
    public enum Assignment: Sendable, Equatable {
        case nobody
        case user(Int)
    }

    public var assignment: Assignment?
    public var bookmarked: Bool?
    public var seen: Bool?
    public var actor: String?

    public init() {}

    public var isEmpty: Bool { assignment == nil && bookmarked == nil && seen == nil }
}
