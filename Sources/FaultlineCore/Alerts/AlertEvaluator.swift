import Foundation
import SentryProtocol

/// One committed event, as alert rules see it: what happened to its issue and the event's facts. Built by the issue
/// writer for projects with rules, handed over after COMMIT.
public struct AlertSignal: Sendable {
    public var projectID: Int
    public var eventID: EventID
    public var timestamp: Double
    /// The issue after this event.
    public var issue: Issue
    public var isNewIssue: Bool
    public var regressed: Bool
    public var reappeared: Bool
    public var userKey: String?
    public var environment: String?
    let input: IssueInput

    public var release: String? { input.release }
    public var tags: [(key: String, value: String)] { input.tags }
    public var message: String? { input.facts.messageFormatted ?? input.facts.messageTemplate ?? input.descriptor.exceptionValue }
}

/// Why a rule fired (the webhook's `trigger`).
public enum AlertTrigger: String, Sendable {
    case firstSeen = "first_seen"
    case regression
    case reappeared
    case eventFrequency = "event_frequency"
    case uniqueUsers = "unique_users"
}

/// Pure rule logic: which trigger (if any) an event sets off, and whether it passes the filters.
public enum AlertEvaluator {
    /// The first condition that holds (`any`), or the first when all hold (`all`); nil otherwise.
    /// `events(interval)` and `users(interval)` count the issue's events and distinct users within the interval.
    public static func trigger(_ rule: AlertRule, _ signal: AlertSignal, events: (Double) -> Int,
                               users: (Double) -> Int) -> AlertTrigger? {
        var first: AlertTrigger?
        for condition in rule.conditions {
            let hit: AlertTrigger?
            switch condition {
            case .firstSeen: hit = signal.isNewIssue ? .firstSeen : nil
            case .regression: hit = signal.regressed ? .regression : nil
            case .reappeared: hit = signal.reappeared ? .reappeared : nil
            case .eventFrequency(let value, let interval): hit = events(interval) > value ? .eventFrequency : nil
            case .uniqueUsers(let value, let interval): hit = users(interval) > value ? .uniqueUsers : nil
            }
            switch rule.actionMatch {
            case .any, .none:
                if let hit { return hit }
            case .all:
                guard let hit else { return nil }
                if first == nil { first = hit }
            }
        }
        return rule.actionMatch == .all ? first : nil
    }

    public static func passes(_ rule: AlertRule, _ signal: AlertSignal, latestRelease: String?, now: Double) -> Bool {
        if let environment = rule.environment, signal.environment != environment { return false }
        guard !rule.filters.isEmpty else { return true }
        let results = rule.filters.map { matches($0, signal, latestRelease: latestRelease, now: now) }
        switch rule.filterMatch {
        case .all: return results.allSatisfy { $0 }
        case .any: return results.contains(true)
        case .none: return !results.contains(true)
        }
    }

    static func matches(_ filter: AlertRule.Filter, _ signal: AlertSignal, latestRelease: String?, now: Double) -> Bool {
        switch filter {
        case .level(let match, let level):
            let eventLevel = AlertRuleCodec.levels[signal.input.descriptor.level] ?? 40
            switch match {
            case "gte": return eventLevel >= level
            case "lte": return eventLevel <= level
            default: return eventLevel == level
            }
        case .tagged(let key, let match, let value):
            let values = signal.tags.filter { $0.key == key }.map(\.value)
            return text(values, match, value)
        case .attribute(let name, let match, let value):
            return text(attribute(name, signal), match, value)
        case .latestRelease:
            guard let release = signal.release, let latestRelease else { return false }
            return release == latestRelease
        case .age(let older, let seconds):
            let age = now - signal.issue.firstSeen
            return older ? age > seconds : age < seconds
        case .occurrences(let n):
            return signal.issue.timesSeen >= n
        case .category(let c):
            // Sentry's category ids: 1 error, 2 performance.
            return c == (signal.issue.isPerformance ? 2 : 1)
        }
    }

    /// Sentry's matchers over every value the event has for the attribute (a tag may repeat).
    static func text(_ values: [String], _ match: AlertRule.TextMatch, _ wanted: String) -> Bool {
        switch match {
        case .is: return !values.isEmpty
        case .ns: return values.isEmpty
        case .eq: return values.contains { $0.lowercased() == wanted.lowercased() }
        case .ne: return !values.contains { $0.lowercased() == wanted.lowercased() }
        case .sw: return values.contains { $0.lowercased().hasPrefix(wanted.lowercased()) }
        case .ew: return values.contains { $0.lowercased().hasSuffix(wanted.lowercased()) }
        case .co: return values.contains { $0.lowercased().contains(wanted.lowercased()) }
        case .nc: return !values.contains { $0.lowercased().contains(wanted.lowercased()) }
        }
    }

    static func attribute(_ name: String, _ signal: AlertSignal) -> [String] {
        let facts = signal.input.facts
        func tag(_ key: String) -> [String] { signal.tags.filter { $0.key == key }.map(\.value) }
        switch name {
        case "message": return [facts.messageFormatted, facts.messageTemplate, facts.mainException?.value].compactMap { $0 }
        case "platform": return [facts.platform]
        case "environment": return signal.environment.map { [$0] } ?? []
        case "type": return ["error"]
        case "level": return [signal.input.descriptor.level]
        case "release": return signal.release.map { [$0] } ?? []
        case "exception.type": return facts.exceptions.compactMap(\.type)
        case "exception.value": return facts.exceptions.compactMap(\.value)
        case "error.handled": return facts.exceptions.isEmpty ? [] : [facts.isUnhandled ? "false" : "true"]
        case "error.unhandled": return facts.exceptions.isEmpty ? [] : [facts.isUnhandled ? "true" : "false"]
        case "transaction": return facts.transaction.map { [$0] } ?? []
        case "culprit": return [signal.issue.culprit]
        case "title": return [signal.issue.title]
        case "user.id", "user.email", "user.username", "user.ip_address":
            return tag(name == "user.ip_address" ? "user.ip" : name) + tag("user").compactMap { value in
                let prefix = name == "user.ip_address" ? "ip:" : name.dropFirst(5) + ":"
                return value.hasPrefix(prefix) ? String(value.dropFirst(prefix.count)) : nil
            }
        case "http.url": return tag("url")
        case "http.method": return tag("http.method")
        default: return []
        }
    }
}

/// Where the issue writer hands committed events (the alert engine).
public protocol AlertSink: AnyObject, Sendable {
    /// Whether the project has active rules over its errors (asked on the writer thread for every event: must be cheap).
    func wants(projectID: Int) -> Bool
    /// Whether the project has active metric rules over its transactions (likewise).
    func wantsTransactions(projectID: Int) -> Bool
    /// The events of one committed transaction, in commit order (called on the writer thread: must not block).
    func receive(_ signals: [AlertSignal], transactions: [MetricSample])
}
