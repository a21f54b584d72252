import Foundation
import SentryProtocol

/// Sentry's metric alert JSON (`/organizations/{org}/alert-rules/`), both ways. Stored bodies keep project ids (slugs
/// can change) and webhook secrets; the API shows slugs and no secrets.
public enum MetricAlertRuleCodec {
    /// Sentry's percentile shorthands.
    static let shorthands: [String: Double] = ["p50": 0.5, "p75": 0.75, "p90": 0.9, "p95": 0.95, "p99": 0.99, "p100": 1]

    public static func aggregate(_ text: String) -> MetricAlertRule.Aggregate? {
        let t = text.filter { !$0.isWhitespace }.lowercased()
        switch t {
        case "count()", "count(id)": return .count
        case "count_unique(user)", "count_unique(tags[sentry:user])", "count_unique(user.id)": return .uniqueUsers
        case "error_rate()": return .errorRate
        case "failure_rate()": return .failureRate
        case "avg(transaction.duration)": return .averageDuration
        default: break
        }
        for (name, q) in shorthands where t == "\(name)(transaction.duration)" || t == "\(name)()" { return .percentile(q) }
        if t.hasPrefix("percentile(transaction.duration,"), t.hasSuffix(")") {
            let number = t.dropFirst("percentile(transaction.duration,".count).dropLast()
            if let q = Double(number), q > 0, q <= 1 { return .percentile(q) }
        }
        return nil
    }

    /// A measured value or threshold as people write it: 11, 0.0667, 1523.4.
    public static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(format: abs(value) < 1 ? "%.4g" : "%.1f", value)
    }

    public static func aggregateText(_ a: MetricAlertRule.Aggregate) -> String {
        switch a {
        case .count: return "count()"
        case .uniqueUsers: return "count_unique(user)"
        case .errorRate: return "error_rate()"
        case .failureRate: return "failure_rate()"
        case .averageDuration: return "avg(transaction.duration)"
        case .percentile(let q):
            if let name = shorthands.first(where: { $0.value == q })?.key { return "\(name)(transaction.duration)" }
            return "percentile(transaction.duration,\(q))"
        }
    }

    /// A rule from a request body (`stored`: from storage). `projectID` finds a project of the organization by slug.
    public static func parse(_ root: JSONRef, organizationID: Int, existing: MetricAlertRule? = nil, stored: Bool = false,
                             projectID: (String) -> Int?, newSecret: () -> String) throws(AlertRuleError) -> MetricAlertRule {
        guard root.kind == .object else { throw AlertRuleError("The alert rule must be a JSON object.") }
        guard let name = root["name"]?.string?.trimmingCharacters(in: .whitespaces), !name.isEmpty, name.utf8.count <= 256 else {
            throw AlertRuleError("'name' must be a string of 1 to 256 bytes.")
        }
        guard let aggregateText = root["aggregate"]?.string, let aggregate = aggregate(aggregateText) else {
            throw AlertRuleError("'aggregate' must be count(), count_unique(user), error_rate(), failure_rate(), "
                                 + "avg(transaction.duration), p50/p75/p90/p95/p99/p100(transaction.duration) or "
                                 + "percentile(transaction.duration,0.95).")
        }
        var dataset: MetricAlertRule.Dataset?
        if let node = root["dataset"], !node.isNull {
            switch node.string {
            case "events"?, "errors"?: dataset = .events
            case "transactions"?, "generic_metrics"?, "metrics"?: dataset = .transactions
            default: throw AlertRuleError("'dataset' must be events or transactions.")
            }
            if aggregate.needsTransactions, aggregate != .errorRate, dataset == .events {
                throw AlertRuleError("'aggregate' \(aggregateText.prefix(60)) needs the transactions dataset.")
            }
        }
        let query = root["query"]?.string ?? ""
        guard query.utf8.count <= 2048 else { throw AlertRuleError("'query' must be at most 2048 bytes.") }
        do {
            _ = try EventQuery(query)
        } catch {
            throw AlertRuleError("'query': \(error.description)")
        }
        // `Int(exactly:)`: a huge or fractional number is refused, not trapped on or rounded.
        guard let window = root["timeWindow"].flatMap({ $0.int ?? $0.string.flatMap { Int($0) } ?? $0.double.flatMap { Int(exactly: $0) } }),
              (1...1440).contains(window) else {
            throw AlertRuleError("'timeWindow' must be 1 to 1440 minutes.")
        }
        var environment: String?
        if let node = root["environment"], !node.isNull {
            guard let text = node.string, !text.isEmpty, text.utf8.count <= 64 else {
                throw AlertRuleError("'environment' must be an environment name or null.")
            }
            environment = text
        }
        let projectIDs = try projects(root, stored: stored, projectID: projectID)
        var thresholdType = MetricAlertRule.ThresholdType.above
        if let node = root["thresholdType"], !node.isNull {
            guard let n = node.int, let t = MetricAlertRule.ThresholdType(rawValue: n) else {
                throw AlertRuleError("'thresholdType' must be 0 (above) or 1 (below).")
            }
            thresholdType = t
        }
        var resolve: Double?
        if let node = root["resolveThreshold"], !node.isNull {
            guard let n = number(node) else { throw AlertRuleError("'resolveThreshold' must be a number or null.") }
            resolve = n
        }
        let triggers = try self.triggers(root, existing: existing, stored: stored, newSecret: newSecret)
        if let critical = triggers.first(where: { $0.label == .critical }), let warning = triggers.first(where: { $0.label == .warning }) {
            let ordered = thresholdType == .above ? warning.alertThreshold <= critical.alertThreshold
                                                  : warning.alertThreshold >= critical.alertThreshold
            guard ordered else {
                throw AlertRuleError("The warning threshold must be \(thresholdType == .above ? "at most" : "at least") the critical one.")
            }
        }
        if let resolve, let lowest = triggers.map(\.alertThreshold).min(by: { thresholdType == .above ? $0 < $1 : $0 > $1 }) {
            guard thresholdType == .above ? resolve <= lowest : resolve >= lowest else {
                throw AlertRuleError("'resolveThreshold' must be \(thresholdType == .above ? "at most" : "at least") every alert threshold.")
            }
        }
        var muted = existing?.isMuted ?? false
        if let node = root["status"], !node.isNull, node.kind == .string {
            guard let text = node.string, text == "active" || text == "disabled" else {
                throw AlertRuleError("'status' must be active or disabled.")
            }
            muted = text == "disabled"
        }
        return MetricAlertRule(id: existing?.id ?? 0, organizationID: organizationID, name: name, projectIDs: projectIDs,
                               environment: environment, dataset: dataset, aggregate: aggregate, query: query,
                               timeWindow: window, thresholdType: thresholdType, resolveThreshold: resolve, triggers: triggers,
                               isMuted: muted, createdAt: existing?.createdAt ?? 0)
    }

    private static func number(_ node: JSONRef) -> Double? {
        let n = node.double ?? node.int.map(Double.init) ?? node.string.flatMap { Double($0) }
        guard let n, n.isFinite else { return nil }
        return n
    }

    private static func projects(_ root: JSONRef, stored: Bool, projectID: (String) -> Int?) throws(AlertRuleError) -> [Int] {
        if stored, let ids = root["projectIDs"], ids.kind == .array {
            return ids.elements.compactMap(\.int)
        }
        guard let node = root["projects"], node.kind == .array, (1...100).contains(node.count) else {
            throw AlertRuleError("'projects' must list 1 to 100 project slugs.")
        }
        var ids: [Int] = []
        for (i, item) in node.elements.enumerated() {
            guard let slug = item.string, let id = projectID(slug) else {
                throw AlertRuleError("'projects[\(i)]' is not a project of this organization.")
            }
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    private static func triggers(_ root: JSONRef, existing: MetricAlertRule?, stored: Bool,
                                 newSecret: () -> String) throws(AlertRuleError) -> [MetricAlertRule.Trigger] {
        guard let node = root["triggers"], node.kind == .array, (1...2).contains(node.count) else {
            throw AlertRuleError("'triggers' must list a critical trigger and optionally a warning one.")
        }
        let oldActions = existing?.triggers.flatMap(\.actions) ?? []
        var out: [MetricAlertRule.Trigger] = []
        for (i, item) in node.elements.enumerated() {
            let path = "triggers[\(i)]"
            guard item.kind == .object else { throw AlertRuleError("'\(path)' must be an object.") }
            guard let label = item["label"]?.string.flatMap(MetricAlertRule.Severity.init(rawValue:)) else {
                throw AlertRuleError("'\(path).label' must be critical or warning.")
            }
            guard !out.contains(where: { $0.label == label }) else { throw AlertRuleError("'\(path).label' \(label.rawValue) is given twice.") }
            guard let thresholdNode = item["alertThreshold"], let threshold = number(thresholdNode) else {
                throw AlertRuleError("'\(path).alertThreshold' must be a number.")
            }
            var actions: [AlertRule.Action] = []
            if let list = item["actions"], !list.isNull {
                guard list.kind == .array, list.count <= 20 else { throw AlertRuleError("'\(path).actions' must be a list of at most 20 actions.") }
                for (j, a) in list.elements.enumerated() {
                    let actionPath = "\(path).actions[\(j)]"
                    guard a.kind == .object else { throw AlertRuleError("'\(actionPath)' must be an object.") }
                    actions.append(try AlertRuleCodec.action(a, path: actionPath, existing: oldActions, stored: stored, newSecret: newSecret))
                }
            }
            out.append(MetricAlertRule.Trigger(label: label, alertThreshold: threshold, actions: actions))
        }
        guard out.contains(where: { $0.label == .critical }) else { throw AlertRuleError("'triggers' must include a critical trigger.") }
        return out.sorted { $0.label == .critical && $1.label != .critical }
    }

    /// The rule as the API shows it (`projectSlug` names each project) or, with `secrets`, as it is stored.
    public static func json(_ rule: MetricAlertRule, secrets: Bool, projectSlug: (Int) -> String?) -> JSONValue {
        json(rule, storedForm: secrets, projectSlug: projectSlug, showSecret: { _ in secrets })
    }

    /// `showSecret` says which webhook secrets to include (an update shows only new ones).
    public static func json(_ rule: MetricAlertRule, storedForm: Bool, projectSlug: (Int) -> String?,
                            showSecret: (String) -> Bool) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("id", .string(String(rule.id))),
            ("name", .string(rule.name)),
            ("organizationId", .string(String(rule.organizationID))),
            ("dataset", .string(rule.dataset.rawValue)),
            ("query", .string(rule.query)),
            ("aggregate", .string(aggregateText(rule.aggregate))),
            ("timeWindow", .int(rule.timeWindow)),
            ("thresholdType", .int(rule.thresholdType.rawValue)),
            ("resolveThreshold", rule.resolveThreshold.map(JSONValue.double) ?? .null),
            ("environment", rule.environment.map(JSONValue.string) ?? .null),
            ("projects", .array(rule.projectIDs.compactMap(projectSlug).map(JSONValue.string))),
            ("triggers", .array(rule.triggers.enumerated().map { i, t in
                .object([
                    ("id", .string(String(rule.id * 10 + i + 1))),
                    ("alertRuleId", .string(String(rule.id))),
                    ("label", .string(t.label.rawValue)),
                    ("thresholdType", .int(rule.thresholdType.rawValue)),
                    ("alertThreshold", .double(t.alertThreshold)),
                    ("resolveThreshold", rule.resolveThreshold.map(JSONValue.double) ?? .null),
                    ("actions", .array(t.actions.map { action in
                        if case .webhook(_, let secret) = action { return actionJSON(action, secrets: showSecret(secret)) }
                        return actionJSON(action, secrets: false)
                    })),
                ])
            })),
            ("status", .string(rule.isMuted ? "disabled" : "active")),
            ("snooze", .bool(rule.isMuted)),
            ("dateCreated", .string(Timestamp.format(rule.createdAt))),
        ]
        if storedForm { fields.append(("projectIDs", .array(rule.projectIDs.map(JSONValue.int)))) }
        return .object(fields)
    }

    /// Sentry's trigger action shape (`type`, `targetType`, `targetIdentifier`) with Faultline's inline settings.
    public static func actionJSON(_ action: AlertRule.Action, secrets: Bool) -> JSONValue {
        guard case .object(let fields) = AlertRuleCodec.actionJSON(action, secrets: secrets) else { return .null }
        let target: String = switch action {
        case .webhook(let url, _): url
        case .slack(let webhook): webhook
        case .email(let to): to
        }
        var out = fields.map { $0.key == "id" ? (key: "type", value: $0.value) : $0 }.filter { $0.key != "targetIdentifier" }
        out.append(("targetType", .string("specific")))
        out.append(("targetIdentifier", .string(target)))
        return .object(out)
    }
}
