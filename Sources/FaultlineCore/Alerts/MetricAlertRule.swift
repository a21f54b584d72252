import Foundation
import SentryProtocol

/// An organization's metric alert in Sentry's shape: an aggregate over the events (or transactions) of some projects
/// that match a query, within a sliding window, compared with each trigger's threshold.
public struct MetricAlertRule: Sendable, Equatable {
    public enum Aggregate: Sendable, Equatable {
        /// `count()`: matching errors (or, in the transactions dataset, transactions).
        case count
        /// `count_unique(user)`: distinct users among them.
        case uniqueUsers
        /// `error_rate()`: errors ÷ transactions (0…1), Faultline's own function.
        case errorRate
        /// `failure_rate()`: share of transactions whose status is not ok, cancelled or unknown (0…1).
        case failureRate
        /// `p95(transaction.duration)`, `percentile(transaction.duration,0.95)`: milliseconds.
        case percentile(Double)
        /// `avg(transaction.duration)`: milliseconds.
        case averageDuration

        /// Which events the aggregate counts when the rule names no dataset.
        var defaultDataset: Dataset {
            switch self {
            case .count, .uniqueUsers: .events
            case .errorRate, .failureRate, .percentile, .averageDuration: .transactions
            }
        }

        var needsTransactions: Bool {
            switch self {
            case .count, .uniqueUsers: false
            case .errorRate, .failureRate, .percentile, .averageDuration: true
            }
        }
    }

    /// Sentry's names: `events` are errors (and messages), `transactions` are transactions.
    public enum Dataset: String, Sendable { case events, transactions }

    /// Sentry's `thresholdType`: 0 fires above the threshold, 1 below it.
    public enum ThresholdType: Int, Sendable { case above = 0, below = 1 }

    public enum Severity: String, Sendable, CaseIterable { case critical, warning }

    public struct Trigger: Sendable, Equatable {
        public var label: Severity
        public var alertThreshold: Double
        public var actions: [AlertRule.Action]

        public init(label: Severity, alertThreshold: Double, actions: [AlertRule.Action]) {
            self.label = label
            self.alertThreshold = alertThreshold
            self.actions = actions
        }
    }

    /// Where a rule stands; `resolved` counts as `ok` (it says the rule fired and came back).
    public enum State: String, Sendable {
        case ok, warning, critical, resolved

        var rank: Int {
            switch self {
            case .ok, .resolved: 0
            case .warning: 1
            case .critical: 2
            }
        }
    }

    public var id: Int
    public var organizationID: Int
    public var name: String
    public var projectIDs: [Int]
    public var environment: String?
    public var dataset: Dataset
    public var aggregate: Aggregate
    /// The query as written (`environment:production level:error`, `message:"AUTH_INVALID_TOKEN"`).
    public var query: String
    /// Minutes, 1 to 1440.
    public var timeWindow: Int
    public var thresholdType: ThresholdType
    /// When set, an alert resolves only once the value is back past it (else once no trigger holds).
    public var resolveThreshold: Double?
    public var triggers: [Trigger]
    public var isMuted: Bool
    public var createdAt: Double

    public init(id: Int = 0, organizationID: Int, name: String, projectIDs: [Int], environment: String? = nil,
                dataset: Dataset? = nil, aggregate: Aggregate, query: String = "", timeWindow: Int,
                thresholdType: ThresholdType = .above, resolveThreshold: Double? = nil, triggers: [Trigger],
                isMuted: Bool = false, createdAt: Double = 0) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.projectIDs = projectIDs
        self.environment = environment
        self.dataset = dataset ?? aggregate.defaultDataset
        self.aggregate = aggregate
        self.query = query
        self.timeWindow = timeWindow
        self.thresholdType = thresholdType
        self.resolveThreshold = resolveThreshold
        self.triggers = triggers
        self.isMuted = isMuted
        self.createdAt = createdAt
    }

    public func trigger(_ severity: Severity) -> Trigger? { triggers.first { $0.label == severity } }

    /// Whether the rule counts errors, transactions, or both (`error_rate()`).
    var countsErrors: Bool { aggregate == .errorRate || dataset == .events }
    var countsTransactions: Bool { aggregate.needsTransactions || dataset == .transactions }
}

/// Where a metric alert moves for a measured value: pure, so the engine and the tests share it.
public enum MetricAlertStates {
    /// The state after `value`, or nil to stay. `warmedUp`: the window has been counted for its whole length. After a
    /// restart or an edit a partly counted window can only raise an "above" rule's state (what it counted so far is
    /// there), never lower it; a "below" rule waits for the whole window (too little counted looks like a drop).
    public static func next(_ rule: MetricAlertRule, from current: MetricAlertRule.State, value: Double,
                            warmedUp: Bool) -> MetricAlertRule.State? {
        if !warmedUp && rule.thresholdType == .below { return nil }
        func crosses(_ threshold: Double) -> Bool {
            rule.thresholdType == .above ? value > threshold : value < threshold
        }
        var target = MetricAlertRule.State.ok
        if let critical = rule.trigger(.critical), crosses(critical.alertThreshold) {
            target = .critical
        } else if let warning = rule.trigger(.warning), crosses(warning.alertThreshold) {
            target = .warning
        }
        if target.rank > current.rank { return target }
        guard target.rank < current.rank, warmedUp else { return nil }
        if target == .warning { return .warning }
        if let resolve = rule.resolveThreshold {
            let back = rule.thresholdType == .above ? value <= resolve : value >= resolve
            if back { return .resolved }
            // Not yet back past the resolve threshold: a critical alert settles at warning if that trigger exists.
            return current == .critical && rule.trigger(.warning) != nil ? .warning : nil
        }
        return .resolved
    }

    /// Who hears of a change: the actions of the trigger entered and of the trigger left (a page that went out for
    /// critical also hears that it resolved), each target once.
    public static func actions(_ rule: MetricAlertRule, from old: MetricAlertRule.State,
                               to new: MetricAlertRule.State) -> [AlertRule.Action] {
        var out: [AlertRule.Action] = []
        for state in [new, old] {
            guard let severity = MetricAlertRule.Severity(rawValue: state.rawValue), let trigger = rule.trigger(severity) else { continue }
            for action in trigger.actions where !out.contains(where: { sameTarget($0, action) }) { out.append(action) }
        }
        return out
    }

    private static func sameTarget(_ a: AlertRule.Action, _ b: AlertRule.Action) -> Bool {
        switch (a, b) {
        case (.webhook(let x, _), .webhook(let y, _)): x == y
        case (.slack(let x), .slack(let y)): x == y
        case (.email(let x), .email(let y)): x == y
        default: false
        }
    }
}
