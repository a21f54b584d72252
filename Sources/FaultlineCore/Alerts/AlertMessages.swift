import Foundation
import SentryProtocol

/// Messages written from a firing's payload (what a webhook receives) for chat tools and email.
enum AlertMessages {
    /// What every message says, for an issue firing or a metric rule's change of state.
    struct Summary {
        var headline: String
        var subtitle: String
        var detail: String
        var url: String
        var project: String
        var facts: [(String, String)]
    }

    static func summary(_ root: JSONRef) -> Summary {
        let rule = root["rule"]?["name"]?.string ?? "a rule"
        if let metric = root["metric"] {
            let state = metric["state"]?.string ?? ""
            let r = root["rule"]
            let aggregate = r?["aggregate"]?.string ?? ""
            // In the aggregate's unit: durations in ms, rates in %.
            func shown(_ v: Double) -> String {
                if aggregate.contains("transaction.duration") { return "\(number(v.rounded())) ms" }
                if aggregate == "error_rate()" || aggregate == "failure_rate()" { return "\(number((v * 10_000).rounded() / 100)) %" }
                return number(v)
            }
            let value = metric["value"]?.double.map(shown) ?? "—"
            let threshold = metric["threshold"]?.double.map(shown) ?? "—"
            let window = r?["timeWindow"]?.int ?? 0
            let projects = root["projects"]?.elements.compactMap(\.string).joined(separator: ", ") ?? ""
            let query = r?["query"]?.string ?? ""
            return Summary(
                headline: "\(state.capitalized): \(rule)",
                subtitle: "\(aggregate) is \(value) over \(window) min (threshold \(threshold))",
                detail: "\(metric["previousState"]?.string ?? "") → \(state) · \(projects)",
                url: r?["url"]?.string ?? "",
                project: projects,
                facts: [("State", state), ("Was", metric["previousState"]?.string ?? ""), ("Value", value),
                        ("Threshold", threshold), ("Aggregate", aggregate), ("Query", query.isEmpty ? "—" : query),
                        ("Window", "\(window) min"), ("Projects", projects),
                        ("Environment", r?["environment"]?.string ?? "all")])
        }
        let issue = root["issue"]
        let title = issue?["title"]?.string ?? "an issue"
        let project = root["project"]?["slug"]?.string ?? ""
        let trigger = (root["trigger"]?.string ?? "").replacingOccurrences(of: "_", with: " ")
        return Summary(
            headline: "[\(project)] \(title)",
            subtitle: issue?["culprit"]?.string ?? "",
            detail: "\(issue?["shortId"]?.string ?? "") · \(issue?["level"]?.string ?? "") · \(trigger) · rule “\(rule)” · \(issue?["count"]?.int ?? 0) events",
            url: issue?["url"]?.string ?? "",
            project: project,
            facts: [("Issue", issue?["shortId"]?.string ?? ""), ("Culprit", issue?["culprit"]?.string ?? ""),
                    ("Level", issue?["level"]?.string ?? ""), ("Events", String(issue?["count"]?.int ?? 0)),
                    ("Users", String(issue?["userCount"]?.int ?? 0)), ("Release", root["event"]?["release"]?.string ?? "—"),
                    ("Environment", root["event"]?["environment"]?.string ?? "—"), ("Why", "\(trigger) (rule “\(rule)”)")])
    }

    static func number(_ value: Double) -> String { MetricAlertRuleCodec.number(value) }

    /// A Slack incoming-webhook body (also what Discord's `/slack` endpoint and Mattermost take): text plus blocks.
    static func slack(_ payload: [UInt8]) -> [UInt8] {
        guard let doc = try? JSONDocument(bytes: payload) else { return Array("{\"text\":\"Faultline alert\"}".utf8) }
        let s = summary(doc.root)
        let value: JSONValue = .object([
            ("text", .string("\(s.headline) — \(s.url)")),
            ("blocks", .array([
                .object([("type", .string("section")),
                         ("text", .object([("type", .string("mrkdwn")), ("text", .string("*\(slackEscape(s.headline))*\n\(slackEscape(s.subtitle))"))]))]),
                .object([("type", .string("context")),
                         ("elements", .array([.object([("type", .string("mrkdwn")), ("text", .string(slackEscape(s.detail)))])]))]),
                .object([("type", .string("actions")),
                         ("elements", .array([.object([("type", .string("button")),
                                                       ("text", .object([("type", .string("plain_text")), ("text", .string("Open in Faultline"))])),
                                                       ("url", .string(s.url))])]))]),
            ])),
        ])
        return value.serialized
    }

    /// Slack's three control characters; event text must not become links or mentions.
    static func slackEscape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
