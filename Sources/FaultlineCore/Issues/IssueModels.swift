import EventProcessing
import SentryProtocol

/// What grouping decided for one event, carried from ingest to the writer. A class: it holds the event's
/// facts and tags, and is passed along (batch row, issue event, apply) by reference instead of retaining every
/// string of them at each step.
public final class IssueInput: Sendable {
    public let key: GroupingKey
    public var hash: String { key.hash }
    public var strategy: String { key.strategy.rawValue }
    public var variant: String { key.variant }
    /// What the grouping was decided from: the component tree is built again only for a hash seen for the
    /// first time, so ingest does not build one per event.
    let facts: EventFacts
    let rules: FingerprintRules
    let stackTraceRules: StackTraceRules
    /// The strategy the project used before it switched, while the switch's transition lasts: an event whose hash is
    /// new is grouped by it too, and joins the issue that hash belongs to (`secondaryGroupingConfig`).
    let secondaryStrategy: GroupingStrategy?
    /// The contributing components as compact JSON, kept once per hash.
    public var components: [UInt8] {
        if let evidence { return evidence }
        return Fingerprinter.group(facts, rules: rules, stackTraceRules: stackTraceRules, strategy: key.strategy,
                                   explain: false).componentsJSON()
    }

    /// The event's hash under the previous strategy, during a transition (computed only for a hash not seen before).
    var secondaryHash: String? {
        secondaryStrategy.map { Fingerprinter.key(facts, rules: rules, stackTraceRules: stackTraceRules, strategy: $0).hash }
    }
    /// A performance issue's evidence (JSON), kept where an error issue keeps its grouping components.
    let evidence: [UInt8]?
    public let descriptor: IssueDescriptor
    public let platform: String
    public let release: String?
    public let userKey: String?
    public let tags: [(key: String, value: String)]

    public init(key: GroupingKey, facts: EventFacts, rules: FingerprintRules, stackTraceRules: StackTraceRules = .none,
                secondaryStrategy: GroupingStrategy? = nil, descriptor: IssueDescriptor,
                platform: String, release: String?, userKey: String?, tags: [(key: String, value: String)],
                evidence: [UInt8]? = nil) {
        self.evidence = evidence
        self.key = key
        self.facts = facts
        self.rules = rules
        self.stackTraceRules = stackTraceRules
        self.secondaryStrategy = secondaryStrategy
        self.descriptor = descriptor
        self.platform = platform
        self.release = release
        self.userKey = userKey
        self.tags = tags
    }
}

/// A stored event that counts for an issue: queued by its job, applied to the counters before COMMIT.
struct IssueEvent {
    var issueID: Int
    /// The event's row in `events`.
    var eventRow: Int
    var eventID: EventID
    var environment: String?
    var projectID: Int
    var timestamp: Double
    var receivedAt: Double
    var input: IssueInput
}

public enum IssueStatus: String, Sendable {
    case unresolved, resolved, ignored
}

/// The conditions attached to a status (Sentry's `statusDetails`).
public struct StatusDetails: Sendable, Equatable {
    public var inNextRelease = false
    /// Fixed in this release: events from it or later regress the issue.
    public var inRelease: String?
    /// For `inNextRelease`: the newest release known when it was resolved; later ones regress it.
    public var afterRelease: String?
    public var ignoreUntil: Double?
    /// Reopen when `timesSeen` reaches this (from `ignoreCount`).
    public var ignoreUntilCount: Int?
    public var ignoreCount: Int?
    /// Reopen when `userCount` reaches this (from `ignoreUserCount`).
    public var ignoreUntilUserCount: Int?
    public var ignoreUserCount: Int?
    public var ignoreDuration: Int?
    /// With `ignoreCount`: the count must be reached within this many minutes (Sentry's `ignoreWindow`).
    public var ignoreWindow: Int?
    /// With `ignoreUserCount`: the users must be reached within this many minutes (`ignoreUserWindow`).
    public var ignoreUserWindow: Int?

    public init() {}
}

public struct Issue: Sendable {
    /// Sentry's short id: the project's slug in capitals and the issue's number in base 36 (`BACKEND-3F`).
    public static func shortID(projectSlug: String, number: Int) -> String {
        "\(projectSlug.uppercased())-\(String(number, radix: 36).uppercased())"
    }

    public var id: Int
    public var projectID: Int
    public var shortNumber: Int
    public var type: String
    public var title: String
    public var culprit: String
    public var exceptionType: String?
    public var exceptionValue: String?
    public var filename: String?
    public var function: String?
    public var level: String
    public var platform: String?
    public var firstSeen: Double
    public var lastSeen: Double
    public var timesSeen: Int
    public var userCount: Int
    public var firstRelease: String?
    public var lastRelease: String?
    public var isUnhandled: Bool
    public var status: IssueStatus
    /// Stored substatus (`regressed`, `escalating`, `archived_*`); `new`/`ongoing` are derived from age.
    public var substatus: String?
    public var statusDetails: StatusDetails
    public var resolvedAt: Double?

    /// Sentry's substatus, deriving `new` (first seen within 7 days) and `ongoing`.
    public func substatus(now: Double) -> String? {
        switch status {
        case .resolved: return nil
        case .ignored: return substatus ?? "archived_forever"
        case .unresolved:
            if let substatus { return substatus }
            return now - firstSeen < 7 * 86_400 ? "new" : "ongoing"
        }
    }

    /// A performance issue (its type is Sentry's slug, `performance_…`), not an error.
    public var isPerformance: Bool { type.hasPrefix("performance_") }
}

public struct IssueActivity: Sendable {
    public var id: Int
    public var issueID: Int
    public var type: String
    /// JSON object text.
    public var data: String
    public var actor: String?
    public var createdAt: Double
}

public struct TagValueCount: Sendable {
    public var key: String
    public var value: String
    public var count: Int
    public var firstSeen: Double
    public var lastSeen: Double
}

/// A status change asked for through the API (`PUT /api/0/issues/{id}/`).
public struct IssueStatusChange: Sendable {
    public var status: IssueStatus
    public var inNextRelease = false
    public var inRelease: String?
    public var ignoreDuration: Int?
    public var ignoreCount: Int?
    public var ignoreUserCount: Int?
    public var ignoreWindow: Int?
    public var ignoreUserWindow: Int?
    public var actor: String?

    public init(status: IssueStatus) {
        self.status = status
    }
}

/// Filters and order for an issue list.
public struct IssueQuery: Sendable {
    public enum Sort: String, Sendable {
        case date, new, freq, user
    }

    /// The projects searched (one for a project's list, several for an organization's).
    public var projectIDs: [Int]
    public var statuses: [IssueStatus] = []
    public var substatus: String?
    /// Every one must hold (the search's keys beyond status).
    public var filters: [IssueFilter] = []
    /// Only issues seen since this time.
    public var since: Double?
    public var sort = Sort.date
    public var limit = 25
    /// Opaque position from the previous page (sort value and id).
    public var cursor: IssueCursor?

    public init(projectID: Int) {
        projectIDs = [projectID]
    }

    public init(projectIDs: [Int]) {
        self.projectIDs = projectIDs
    }
}

public struct IssueCursor: Sendable, Equatable {
    public var value: Double
    public var id: Int

    public init(value: Double, id: Int) {
        self.value = value
        self.id = id
    }
}

/// The grouping record behind an event: the hash and what produced it.
public struct GroupHashRecord: Sendable {
    public var hash: String
    public var issueID: Int
    public var strategy: String
    public var variant: String
    public var components: String
}
