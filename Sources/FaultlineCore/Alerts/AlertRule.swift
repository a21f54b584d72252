import Foundation
import SentryProtocol

/// A project's issue alert rule in Sentry's shape: triggers (`conditions`), `filters`, `actions`, how they combine
/// (`actionMatch`, `filterMatch`) and how often it may fire per issue (`frequency`, minutes).
public struct AlertRule: Sendable, Equatable {
    public enum Match: String, Sendable { case all, any, none }

    public enum Condition: Sendable, Equatable {
        case firstSeen
        case regression
        /// An ignored issue came back (Sentry's "reappeared"; here: its ignore condition ended).
        case reappeared
        /// More than `value` events of the issue within `interval` seconds.
        case eventFrequency(value: Int, interval: Double)
        /// More than `value` distinct users of the issue within `interval` seconds.
        case uniqueUsers(value: Int, interval: Double)
    }

    /// Sentry's string matchers: equals, not equals, starts with, ends with, contains, not contains, is set, not set.
    public enum TextMatch: String, Sendable, CaseIterable { case eq, ne, sw, ew, co, nc, `is`, ns }

    public enum Filter: Sendable, Equatable {
        /// `match` is eq, gte or lte against Sentry's numeric levels (fatal 50 … debug 10).
        case level(match: String, level: Int)
        case tagged(key: String, match: TextMatch, value: String)
        case attribute(name: String, match: TextMatch, value: String)
        case latestRelease
        /// The issue is older (or newer) than `seconds`.
        case age(older: Bool, seconds: Double)
        case occurrences(atLeast: Int)
        /// 1: error, 2: performance (Sentry's category ids).
        case category(Int)
    }

    public enum Action: Sendable, Equatable {
        /// Signed with `secret` (HMAC-SHA256 of `timestamp.body`).
        case webhook(url: String, secret: String)
        case slack(webhook: String)
        case email(to: String)
    }

    public var id: Int
    public var projectID: Int
    public var name: String
    public var actionMatch: Match
    public var filterMatch: Match
    /// Minutes between firings for one issue.
    public var frequency: Int
    public var environment: String?
    public var conditions: [Condition]
    public var filters: [Filter]
    public var actions: [Action]
    public var isMuted: Bool
    public var createdAt: Double

    public init(id: Int = 0, projectID: Int, name: String, actionMatch: Match = .any, filterMatch: Match = .all,
                frequency: Int = 30, environment: String? = nil, conditions: [Condition], filters: [Filter] = [],
                actions: [Action], isMuted: Bool = false, createdAt: Double = 0) {
        self.id = id
        self.projectID = projectID
        self.name = name
        self.actionMatch = actionMatch
        self.filterMatch = filterMatch
        self.frequency = frequency
        self.environment = environment
        self.conditions = conditions
        self.filters = filters
        self.actions = actions
        self.isMuted = isMuted
        self.createdAt = createdAt
    }
}

/// A rule that could not be read: the message names the field, as a 400's detail.
public struct AlertRuleError: Error, CustomStringConvertible, Equatable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Sentry's condition, filter and action ids and the rule JSON they make, both ways. The body is stored as the API
/// takes it (with webhook secrets), so what was saved is what is read back.
public enum AlertRuleCodec {
    public static let firstSeen = "sentry.rules.conditions.first_seen_event.FirstSeenEventCondition"
    public static let regression = "sentry.rules.conditions.regression_event.RegressionEventCondition"
    public static let reappeared = "sentry.rules.conditions.reappeared_event.ReappearedEventCondition"
    public static let eventFrequency = "sentry.rules.conditions.event_frequency.EventFrequencyCondition"
    public static let uniqueUsers = "sentry.rules.conditions.event_frequency.EventUniqueUserFrequencyCondition"
    public static let levelFilter = "sentry.rules.filters.level.LevelFilter"
    public static let taggedFilter = "sentry.rules.filters.tagged_event.TaggedEventFilter"
    public static let attributeFilter = "sentry.rules.filters.event_attribute.EventAttributeFilter"
    public static let latestReleaseFilter = "sentry.rules.filters.latest_release.LatestReleaseFilter"
    public static let ageFilter = "sentry.rules.filters.age_comparison.AgeComparisonFilter"
    public static let occurrencesFilter = "sentry.rules.filters.issue_occurrences.IssueOccurrencesFilter"
    public static let categoryFilter = "sentry.rules.filters.issue_category.IssueCategoryFilter"

    /// Sentry's intervals for frequency conditions.
    public static let intervals: [String: Double] = ["1m": 60, "5m": 300, "15m": 900, "1h": 3600, "1d": 86_400,
                                                    "1w": 604_800, "30d": 2_592_000]
    public static let levels: [String: Int] = ["fatal": 50, "error": 40, "warning": 30, "info": 20, "debug": 10, "sample": 0]
    public static let attributes: Set<String> = ["message", "platform", "environment", "type", "level", "release",
                                                 "exception.type", "exception.value", "error.handled", "error.unhandled",
                                                 "user.id", "user.email", "user.username", "user.ip_address", "http.url",
                                                 "http.method", "transaction", "culprit", "title"]

    /// A rule from a request body. `existing` supplies the secrets of webhook actions whose URL did not change.
    /// `stored`: the body comes from storage, whose webhook actions carry their secrets.
    public static func parse(_ root: JSONRef, projectID: Int, existing: AlertRule? = nil, stored: Bool = false,
                             newSecret: () -> String) throws(AlertRuleError) -> AlertRule {
        guard root.kind == .object else { throw AlertRuleError("The rule must be a JSON object.") }
        guard let name = root["name"]?.string?.trimmingCharacters(in: .whitespaces), !name.isEmpty, name.utf8.count <= 256 else {
            throw AlertRuleError("'name' must be a string of 1 to 256 bytes.")
        }
        func match(_ key: String, default value: AlertRule.Match, allowed: [AlertRule.Match]) throws(AlertRuleError) -> AlertRule.Match {
            guard let node = root[key], !node.isNull else { return value }
            guard let text = node.string, let m = AlertRule.Match(rawValue: text), allowed.contains(m) else {
                throw AlertRuleError("'\(key)' must be one of \(allowed.map(\.rawValue).joined(separator: ", ")).")
            }
            return m
        }
        let actionMatch = try match("actionMatch", default: .any, allowed: [.all, .any])
        let filterMatch = try match("filterMatch", default: .all, allowed: [.all, .any, .none])
        var frequency = 30
        if let node = root["frequency"], !node.isNull {
            guard let n = node.int ?? node.string.flatMap({ Int($0) }), (1...43_200).contains(n) else {
                throw AlertRuleError("'frequency' must be 1 to 43200 minutes.")
            }
            frequency = n
        }
        var environment: String?
        if let node = root["environment"], !node.isNull {
            guard let text = node.string, !text.isEmpty, text.utf8.count <= 64 else {
                throw AlertRuleError("'environment' must be an environment name or null.")
            }
            environment = text
        }
        let conditions = try list(root, "conditions") { item, i throws(AlertRuleError) in try condition(item, i) }
        guard !conditions.isEmpty else { throw AlertRuleError("'conditions' must name at least one trigger.") }
        let filters = try list(root, "filters") { item, i throws(AlertRuleError) in try filter(item, i) }
        let actions = try list(root, "actions") { item, i throws(AlertRuleError) in
            try action(item, path: "actions[\(i)]", existing: existing?.actions ?? [], stored: stored, newSecret: newSecret)
        }
        guard !actions.isEmpty else { throw AlertRuleError("'actions' must name at least one action.") }
        var muted = existing?.isMuted ?? false
        if let node = root["status"], !node.isNull {
            guard let text = node.string, text == "active" || text == "disabled" else {
                throw AlertRuleError("'status' must be active or disabled.")
            }
            muted = text == "disabled"
        } else if let flag = root["snooze"]?.bool {
            // Sentry's read-only flag, taken when no status is given (a rule read back and sent again has both).
            muted = flag
        }
        return AlertRule(id: existing?.id ?? 0, projectID: projectID, name: name, actionMatch: actionMatch,
                         filterMatch: filterMatch, frequency: frequency, environment: environment, conditions: conditions,
                         filters: filters, actions: actions, isMuted: muted, createdAt: existing?.createdAt ?? 0)
    }

    static func list<T>(_ root: JSONRef, _ key: String,
                                _ each: (JSONRef, Int) throws(AlertRuleError) -> T) throws(AlertRuleError) -> [T] {
        guard let node = root[key], !node.isNull else { return [] }
        guard node.kind == .array, node.count <= 50 else { throw AlertRuleError("'\(key)' must be a list of at most 50 objects.") }
        var out: [T] = []
        for (i, item) in node.elements.enumerated() {
            guard item.kind == .object else { throw AlertRuleError("'\(key)[\(i)]' must be an object.") }
            out.append(try each(item, i))
        }
        return out
    }

    static func text(_ item: JSONRef, _ key: String, _ path: String, max: Int = 1024) throws(AlertRuleError) -> String {
        guard let value = item[key], let s = value.string ?? value.int.map(String.init), !s.isEmpty, s.utf8.count <= max else {
            throw AlertRuleError("'\(path).\(key)' is required (a string of at most \(max) bytes).")
        }
        return s
    }

    private static func count(_ item: JSONRef, _ key: String, _ path: String) throws(AlertRuleError) -> Int {
        guard let value = item[key], let n = value.int ?? value.string.flatMap({ Int($0) }), n >= 0, n <= 1_000_000_000 else {
            throw AlertRuleError("'\(path).\(key)' must be a non-negative integer.")
        }
        return n
    }

    private static func condition(_ item: JSONRef, _ i: Int) throws(AlertRuleError) -> AlertRule.Condition {
        let path = "conditions[\(i)]"
        let id = try text(item, "id", path)
        switch id {
        case firstSeen: return .firstSeen
        case regression: return .regression
        case reappeared: return .reappeared
        case eventFrequency, uniqueUsers:
            let value = try count(item, "value", path)
            let intervalText = (try? text(item, "interval", path)) ?? "1h"
            guard let interval = intervals[intervalText] else {
                throw AlertRuleError("'\(path).interval' must be one of \(intervals.keys.sorted().joined(separator: ", ")).")
            }
            if let type = item["comparisonType"]?.string, type != "count" {
                throw AlertRuleError("'\(path).comparisonType' must be count (percent changes are not supported).")
            }
            return id == eventFrequency ? .eventFrequency(value: value, interval: interval) : .uniqueUsers(value: value, interval: interval)
        default:
            throw AlertRuleError("'\(path).id' \(id.prefix(120)) is not a trigger Faultline knows.")
        }
    }

    private static func textMatch(_ item: JSONRef, _ path: String) throws(AlertRuleError) -> AlertRule.TextMatch {
        let m = try text(item, "match", path, max: 8)
        guard let match = AlertRule.TextMatch(rawValue: m) else {
            throw AlertRuleError("'\(path).match' must be one of \(AlertRule.TextMatch.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        return match
    }

    private static func filter(_ item: JSONRef, _ i: Int) throws(AlertRuleError) -> AlertRule.Filter {
        let path = "filters[\(i)]"
        let id = try text(item, "id", path)
        switch id {
        case levelFilter:
            let match = try text(item, "match", path, max: 8)
            guard ["eq", "gte", "lte"].contains(match) else { throw AlertRuleError("'\(path).match' must be eq, gte or lte.") }
            let levelText = try text(item, "level", path, max: 16)
            guard let level = Int(levelText) ?? levels[levelText.lowercased()] else {
                throw AlertRuleError("'\(path).level' must be a level (fatal, error, warning, info, debug or 50…10).")
            }
            return .level(match: match, level: level)
        case taggedFilter:
            let match = try textMatch(item, path)
            let value = match == .is || match == .ns ? "" : try text(item, "value", path)
            return .tagged(key: try text(item, "key", path, max: 200), match: match, value: value)
        case attributeFilter:
            let name = try text(item, "attribute", path, max: 64)
            guard attributes.contains(name) else {
                throw AlertRuleError("'\(path).attribute' must be one of \(attributes.sorted().joined(separator: ", ")).")
            }
            let match = try textMatch(item, path)
            let value = match == .is || match == .ns ? "" : try text(item, "value", path)
            return .attribute(name: name, match: match, value: value)
        case latestReleaseFilter:
            return .latestRelease
        case ageFilter:
            let type = try text(item, "comparison_type", path, max: 8)
            guard type == "older" || type == "newer" else { throw AlertRuleError("'\(path).comparison_type' must be older or newer.") }
            let units: [String: Double] = ["minute": 60, "hour": 3600, "day": 86_400, "week": 604_800]
            guard let unit = units[try text(item, "time", path, max: 8)] else {
                throw AlertRuleError("'\(path).time' must be minute, hour, day or week.")
            }
            return .age(older: type == "older", seconds: Double(try count(item, "value", path)) * unit)
        case occurrencesFilter:
            return .occurrences(atLeast: try count(item, "value", path))
        case categoryFilter:
            let value = try count(item, "value", path)
            guard value == 1 || value == 2 else { throw AlertRuleError("'\(path).value' must be 1 (error) or 2 (performance).") }
            return .category(value)
        default:
            throw AlertRuleError("'\(path).id' \(id.prefix(120)) is not a filter Faultline knows.")
        }
    }

    /// An action in the issue-rule form (`id`) or a metric trigger's (`type`, with the URL as `targetIdentifier`).
    static func action(_ item: JSONRef, path: String, existing: [AlertRule.Action], stored: Bool,
                       newSecret: () -> String) throws(AlertRuleError) -> AlertRule.Action {
        let id = try text(item, item["id"] == nil && item["type"] != nil ? "type" : "id", path)
        func url(_ key: String) throws(AlertRuleError) -> String {
            let value = try text(item, item[key] == nil && item["targetIdentifier"] != nil ? "targetIdentifier" : key, path, max: 2048)
            guard let parts = URLComponents(string: value), let scheme = parts.scheme?.lowercased(),
                  scheme == "http" || scheme == "https", parts.host?.isEmpty == false else {
                throw AlertRuleError("'\(path).\(key)' must be an http or https URL.")
            }
            return value
        }
        switch id {
        case "webhook", "sentry.rules.actions.notify_event_service.NotifyEventServiceAction":
            let target = try url("url")
            if stored, let secret = item["secret"]?.string, !secret.isEmpty { return .webhook(url: target, secret: secret) }
            for case .webhook(let oldURL, let secret) in existing where oldURL == target {
                return .webhook(url: target, secret: secret)
            }
            return .webhook(url: target, secret: newSecret())
        case "slack", "discord":
            return .slack(webhook: try url("webhook"))
        case "email", "sentry.mail.actions.NotifyEmailAction":
            let to = try text(item, "targetIdentifier", path, max: 254)
            guard to.contains("@"), !to.contains(where: { $0.isWhitespace || $0 == "\r" || $0 == "\n" || $0 == "," }) else {
                throw AlertRuleError("'\(path).targetIdentifier' must be one email address.")
            }
            return .email(to: to)
        default:
            throw AlertRuleError("'\(path).id' must be webhook, slack or email.")
        }
    }

    static func intervalName(_ seconds: Double) -> String {
        intervals.first { $0.value == seconds }?.key ?? "\(Int(seconds))s"
    }

    static func levelName(_ level: Int) -> String {
        levels.first { $0.value == level }?.key ?? String(level)
    }

    /// The rule as stored and (with `secrets: false`) as the API shows it.
    public static func json(_ rule: AlertRule, secrets: Bool) -> JSONValue {
        .object([
            ("id", .string(String(rule.id))),
            ("name", .string(rule.name)),
            ("actionMatch", .string(rule.actionMatch.rawValue)),
            ("filterMatch", .string(rule.filterMatch.rawValue)),
            ("frequency", .int(rule.frequency)),
            ("environment", rule.environment.map(JSONValue.string) ?? .null),
            ("conditions", .array(rule.conditions.map(conditionJSON))),
            ("filters", .array(rule.filters.map(filterJSON))),
            ("actions", .array(rule.actions.map { actionJSON($0, secrets: secrets) })),
            ("status", .string(rule.isMuted ? "disabled" : "active")),
            ("snooze", .bool(rule.isMuted)),
            ("dateCreated", .string(Timestamp.format(rule.createdAt))),
        ])
    }

    static func conditionJSON(_ c: AlertRule.Condition) -> JSONValue {
        switch c {
        case .firstSeen: .object([("id", .string(firstSeen)), ("name", .string("A new issue is created"))])
        case .regression: .object([("id", .string(regression)), ("name", .string("The issue changes state from resolved to unresolved"))])
        case .reappeared: .object([("id", .string(reappeared)), ("name", .string("The issue changes state from ignored to unresolved"))])
        case .eventFrequency(let value, let interval):
            .object([("id", .string(eventFrequency)), ("value", .int(value)), ("interval", .string(intervalName(interval))),
                     ("comparisonType", .string("count")),
                     ("name", .string("The issue is seen more than \(value) times in \(intervalName(interval))"))])
        case .uniqueUsers(let value, let interval):
            .object([("id", .string(uniqueUsers)), ("value", .int(value)), ("interval", .string(intervalName(interval))),
                     ("comparisonType", .string("count")),
                     ("name", .string("The issue is seen by more than \(value) users in \(intervalName(interval))"))])
        }
    }

    static func filterJSON(_ f: AlertRule.Filter) -> JSONValue {
        switch f {
        case .level(let match, let level):
            .object([("id", .string(levelFilter)), ("match", .string(match)), ("level", .string(String(level)))])
        case .tagged(let key, let match, let value):
            .object([("id", .string(taggedFilter)), ("key", .string(key)), ("match", .string(match.rawValue)), ("value", .string(value))])
        case .attribute(let name, let match, let value):
            .object([("id", .string(attributeFilter)), ("attribute", .string(name)), ("match", .string(match.rawValue)),
                     ("value", .string(value))])
        case .latestRelease: .object([("id", .string(latestReleaseFilter))])
        case .age(let older, let seconds):
            .object([("id", .string(ageFilter)), ("comparison_type", .string(older ? "older" : "newer")),
                     ("value", .int(Int(seconds / 60))), ("time", .string("minute"))])
        case .occurrences(let n): .object([("id", .string(occurrencesFilter)), ("value", .int(n))])
        case .category(let c): .object([("id", .string(categoryFilter)), ("value", .string(String(c)))])
        }
    }

    public static func actionJSONWithSecret(_ a: AlertRule.Action) -> JSONValue { actionJSON(a, secrets: true) }
    public static func actionJSONWithoutSecret(_ a: AlertRule.Action) -> JSONValue { actionJSON(a, secrets: false) }

    static func actionJSON(_ a: AlertRule.Action, secrets: Bool) -> JSONValue {
        switch a {
        case .webhook(let url, let secret):
            var fields: [(key: String, value: JSONValue)] = [("id", .string("webhook")), ("url", .string(url))]
            if secrets { fields.append(("secret", .string(secret))) }
            return .object(fields)
        case .slack(let webhook): return .object([("id", .string("slack")), ("webhook", .string(webhook))])
        case .email(let to): return .object([("id", .string("email")), ("targetIdentifier", .string(to))])
        }
    }
}
