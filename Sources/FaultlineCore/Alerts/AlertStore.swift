import Foundation
import SentryProtocol

/// One action of one firing, to send (or sent).
public struct AlertDelivery: Sendable, Equatable {
    public enum Status: String, Sendable { case pending, delivered, failed }
    public var id: Int
    public var firingID: Int
    /// `webhook`, `slack` or `email`.
    public var kind: String
    public var target: String
    public var secret: String?
    public var status: Status
    public var attempts: Int
    public var lastStatus: Int?
    public var lastError: String?
    public var deliveredAt: Double?
    public var nextAttemptAt: Double?
    /// The firing's JSON payload (what a webhook receives).
    public var payload: String
}

public struct AlertFiring: Sendable {
    public enum Kind: String, Sendable { case issue, metric }
    public var id: Int
    public var kind: Kind
    public var ruleID: Int
    public var projectID: Int
    public var issueID: Int?
    public var eventID: EventID?
    public var trigger: String
    public var firedAt: Double
    public var deliveries: [AlertDelivery]
    /// Metric firings: the payload sent (it carries the measured value and the states).
    public var payload: String?
}

/// A firing to record: kept only if the rule did not fire for the issue within its interval.
public struct NewFiring: Sendable {
    public var rule: AlertRule
    public var issueID: Int
    public var eventID: EventID
    public var trigger: AlertTrigger
    public var firedAt: Double
    public var payload: String
}

/// What alerting asks of storage (`SQLiteStore+Alerts`).
public protocol AlertStore: Sendable {
    func createAlertRule(_ rule: AlertRule) throws -> AlertRule
    func alertRules(projectID: Int?) throws -> [AlertRule]
    func alertRule(id: Int) throws -> AlertRule?
    func updateAlertRule(_ rule: AlertRule) throws -> Bool
    func deleteAlertRule(id: Int) throws -> Bool
    /// Records the firings whose rule has not fired for their issue within its `frequency`, with one pending delivery
    /// per action, in one transaction; returns how many were kept.
    func recordFirings(_ firings: [NewFiring]) throws -> Int
    /// Pending deliveries due by `now`, oldest first.
    func dueDeliveries(now: Double, limit: Int) throws -> [AlertDelivery]
    /// The earliest time a pending delivery is due, if any.
    func nextDeliveryDue() throws -> Double?
    func updateDelivery(_ delivery: AlertDelivery) throws
    /// Firings newest first, with their deliveries: of one rule, or of the projects given.
    func alertFirings(rule: (kind: AlertFiring.Kind, id: Int)?, projectIDs: [Int], limit: Int, beforeID: Int?) throws -> [AlertFiring]
    /// The newest release of a project (by first appearance).
    func latestRelease(projectID: Int) throws -> String?
}

/// A metric rule with where it stands.
public struct MetricAlertRecord: Sendable {
    public var rule: MetricAlertRule
    public var state: MetricAlertRule.State
    public var stateChangedAt: Double?
    public var lastValue: Double?

    public init(rule: MetricAlertRule, state: MetricAlertRule.State, stateChangedAt: Double?, lastValue: Double?) {
        self.rule = rule
        self.state = state
        self.stateChangedAt = stateChangedAt
        self.lastValue = lastValue
    }
}

/// A metric rule's change of state to record, with the notification its actions send.
public struct MetricTransition: Sendable {
    public var rule: MetricAlertRule
    public var from: MetricAlertRule.State
    public var to: MetricAlertRule.State
    public var value: Double
    public var at: Double
    public var payload: String
}

/// What metric alerting asks of storage (`SQLiteStore+MetricAlerts`).
public protocol MetricAlertStore: Sendable {
    func createMetricAlertRule(_ rule: MetricAlertRule) throws -> MetricAlertRule
    /// The rules of one organization, or of all.
    func metricAlertRules(organizationID: Int?) throws -> [MetricAlertRecord]
    func metricAlertRule(id: Int) throws -> MetricAlertRecord?
    func updateMetricAlertRule(_ rule: MetricAlertRule) throws -> Bool
    func deleteMetricAlertRule(id: Int) throws -> Bool
    /// Moves the rule from `from` to `to` and records the firing with one pending delivery per action, in one
    /// transaction; false (nothing written) when the rule is gone or no longer in `from` (so a change is announced once).
    func recordMetricTransition(_ t: MetricTransition, actions: [AlertRule.Action]) throws -> Bool
}
