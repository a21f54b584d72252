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
    public var id: Int
    public var ruleID: Int
    public var projectID: Int
    public var issueID: Int?
    public var eventID: EventID?
    public var trigger: String
    public var firedAt: Double
    public var deliveries: [AlertDelivery]
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
    func alertFirings(ruleID: Int?, projectIDs: [Int], limit: Int, beforeID: Int?) throws -> [AlertFiring]
    /// The newest release of a project (by first appearance).
    func latestRelease(projectID: Int) throws -> String?
}
