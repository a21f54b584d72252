import Foundation

/// One committed error or transaction, as metric alerts see it.
public struct MetricSample: Sendable {
    public enum Kind: String, Sendable { case error, transaction }
    public var kind: Kind
    public var projectID: Int
    public var environment: String?
    public var release: String?
    public var level: String?
    public var platform: String?
    public var transaction: String?
    /// Transactions: `contexts.trace.op` and `.status`, and the duration in milliseconds.
    public var op: String?
    public var status: String?
    public var durationMS: Double?
    public var userKey: String?
    public var tags: [(key: String, value: String)]
    /// Errors: the message (or the exception's value) and exception types, the issue's title and status.
    public var message: String?
    public var title: String?
    public var exceptionTypes: [String]
    public var issueStatus: IssueStatus?
    public var unhandled: Bool

    public init(kind: Kind, projectID: Int, environment: String? = nil, release: String? = nil, level: String? = nil,
                platform: String? = nil, transaction: String? = nil, op: String? = nil, status: String? = nil,
                durationMS: Double? = nil, userKey: String? = nil, tags: [(key: String, value: String)] = [],
                message: String? = nil, title: String? = nil, exceptionTypes: [String] = [],
                issueStatus: IssueStatus? = nil, unhandled: Bool = false) {
        self.kind = kind
        self.projectID = projectID
        self.environment = environment
        self.release = release
        self.level = level
        self.platform = platform
        self.transaction = transaction
        self.op = op
        self.status = status
        self.durationMS = durationMS
        self.userKey = userKey
        self.tags = tags
        self.message = message
        self.title = title
        self.exceptionTypes = exceptionTypes
        self.issueStatus = issueStatus
        self.unhandled = unhandled
    }

    /// A transaction failed unless its status is ok, cancelled or unknown (Sentry's failure_rate).
    var failed: Bool {
        guard let status else { return false }
        return !["ok", "cancelled", "unknown", "unknown_error"].contains(status)
    }

    init(_ signal: AlertSignal) {
        let facts = signal.input.facts
        self.init(kind: .error, projectID: signal.projectID, environment: signal.environment, release: signal.release,
                  level: signal.input.descriptor.level, platform: facts.platform, transaction: facts.transaction,
                  userKey: signal.userKey, tags: signal.tags, message: signal.message, title: signal.issue.title,
                  exceptionTypes: facts.exceptions.compactMap(\.type), issueStatus: signal.issue.status,
                  unhandled: signal.issue.isUnhandled)
    }
}
