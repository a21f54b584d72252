import Foundation
import Logging
import Testing
@testable import FaultlineCore
@testable import SentryProtocol

private func parseRule(_ json: String, projects: [String: Int] = ["web": 1]) throws -> MetricAlertRule {
    try MetricAlertRuleCodec.parse(JSONDocument(bytes: Array(json.utf8)).root, organizationID: 1,
                                   projectID: { projects[$0] }, newSecret: { "s3cret" })
}

/// The seeds' paging example: errors > 10 a minute critical (page on-call), > 5 warning (chat).
private let errorsPerMinute = """
    {"name": "Errors per minute", "aggregate": "count()", "timeWindow": 1, "projects": ["web"], "query": "",
     "thresholdType": 0, "resolveThreshold": null,
     "triggers": [
       {"label": "critical", "alertThreshold": 10, "actions": [{"type": "webhook", "url": "https://pager.example.com/hook"}]},
       {"label": "warning", "alertThreshold": 5, "actions": [{"type": "slack", "targetIdentifier": "https://chat.example.com/hook"}]}]}
    """

@Suite struct MetricAlertRuleTests {
    @Test func sentryShapedRulesParseAndRoundTrip() throws {
        let rule = try parseRule(errorsPerMinute)
        #expect(rule.aggregate == .count && rule.dataset == .events && rule.timeWindow == 1 && rule.projectIDs == [1])
        #expect(rule.trigger(.critical)?.alertThreshold == 10 && rule.trigger(.warning)?.alertThreshold == 5)
        #expect(rule.trigger(.critical)?.actions == [.webhook(url: "https://pager.example.com/hook", secret: "s3cret")])
        #expect(rule.trigger(.warning)?.actions == [.slack(webhook: "https://chat.example.com/hook")])
        // Stored with project ids and secrets, read back the same; shown with slugs and without secrets.
        let stored = MetricAlertRuleCodec.json(rule, secrets: true, projectSlug: { _ in nil }).serialized
        let again = try MetricAlertRuleCodec.parse(JSONDocument(bytes: stored).root, organizationID: 1, stored: true,
                                                   projectID: { _ in nil }, newSecret: { "other" })
        #expect(again == rule)
        let shown = String(decoding: MetricAlertRuleCodec.json(rule, secrets: false, projectSlug: { $0 == 1 ? "web" : nil }).serialized,
                           as: UTF8.self)
        #expect(!shown.contains("s3cret") && shown.contains("\"projects\":[\"web\"]") && shown.contains("\"aggregate\":\"count()\""))
        #expect(shown.contains("\"targetIdentifier\":\"https://pager.example.com/hook\""))
    }

    @Test func aggregatesInSentrysSpellings() {
        #expect(MetricAlertRuleCodec.aggregate("p95(transaction.duration)") == .percentile(0.95))
        #expect(MetricAlertRuleCodec.aggregate("percentile(transaction.duration, 0.95)") == .percentile(0.95))
        #expect(MetricAlertRuleCodec.aggregate("count_unique(tags[sentry:user])") == .uniqueUsers)
        #expect(MetricAlertRuleCodec.aggregate("failure_rate()") == .failureRate)
        #expect(MetricAlertRuleCodec.aggregate("error_rate()") == .errorRate)
        #expect(MetricAlertRuleCodec.aggregate("sum(transaction.duration)") == nil)
        #expect(MetricAlertRuleCodec.aggregateText(.percentile(0.95)) == "p95(transaction.duration)")
        #expect(MetricAlertRuleCodec.aggregateText(.percentile(0.42)) == "percentile(transaction.duration,0.42)")
    }

    @Test func badRulesNameTheField() {
        func error(_ change: (String) -> String) -> String {
            do {
                _ = try parseRule(change(errorsPerMinute))
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(error { $0.replacingOccurrences(of: "\"timeWindow\": 1", with: "\"timeWindow\": 0") }.contains("'timeWindow'"))
        #expect(error { $0.replacingOccurrences(of: "\"timeWindow\": 1", with: "\"timeWindow\": 1441") }.contains("'timeWindow'"))
        #expect(error { $0.replacingOccurrences(of: "\"timeWindow\": 1", with: "\"timeWindow\": 1e300") }.contains("'timeWindow'"))
        #expect(error { $0.replacingOccurrences(of: "\"timeWindow\": 1", with: "\"timeWindow\": 1.5") }.contains("'timeWindow'"))
        #expect(error { $0.replacingOccurrences(of: "\"alertThreshold\": 10", with: "\"alertThreshold\": 1e999") }.contains("alertThreshold"))
        #expect(error { $0.replacingOccurrences(of: "count()", with: "max(x)") }.contains("'aggregate'"))
        #expect(error { $0.replacingOccurrences(of: "[\"web\"]", with: "[\"nope\"]") }.contains("'projects[0]'"))
        #expect(error { $0.replacingOccurrences(of: "\"query\": \"\"", with: "\"query\": \"message:\\\"open\"") }.contains("'query'"))
        #expect(error { $0.replacingOccurrences(of: "\"alertThreshold\": 5", with: "\"alertThreshold\": 50") }.contains("warning threshold"))
        #expect(error { $0.replacingOccurrences(of: "\"label\": \"critical\"", with: "\"label\": \"warning\"") }.contains("twice"))
        #expect(error { $0.replacingOccurrences(of: "\"resolveThreshold\": null", with: "\"resolveThreshold\": 7") }.contains("'resolveThreshold'"))
        #expect(error { $0.replacingOccurrences(of: "\"type\": \"webhook\", \"url\": \"https", with: "\"type\": \"webhook\", \"url\": \"ftp") }
                .contains("'triggers[0].actions[0].url'"))
        #expect(error { $0.replacingOccurrences(of: "\"aggregate\": \"count()\"", with: "\"aggregate\": \"p95(transaction.duration)\", \"dataset\": \"events\"") }
                .contains("transactions dataset"))
    }

    @Test func queriesMatchEvents() throws {
        let sample = MetricSample(kind: .error, projectID: 1, environment: "production", release: "1.2", level: "error",
                                  transaction: "/checkout", tags: [("payment.failed", "card"), ("user", "email:a@b.c")],
                                  message: "AUTH_INVALID_TOKEN for 42", title: "AuthError", exceptionTypes: ["AuthError"],
                                  issueStatus: .unresolved, unhandled: true)
        func holds(_ q: String) throws -> Bool { try EventQuery(q).matches(sample) }
        #expect(try holds(""))
        #expect(try holds("environment:production !level:info has:payment.failed"))
        #expect(try holds("message:*AUTH_INVALID_TOKEN* is:unresolved is:unhandled error.type:AuthError"))
        #expect(try holds("auth_invalid_token user.email:a@b.c tags[payment.failed]:[cash, card] event.type:error"))
        #expect(try !holds("environment:staging"))
        #expect(try !holds("is:resolved"))
        #expect(try !holds("error.handled:true"))
        #expect(try !holds("!has:payment.failed"))
        #expect(try !holds("transaction.op:http.server"))
        #expect(throws: SearchSyntaxError.self) { try EventQuery("is:bookmarked") }
        #expect(throws: SearchSyntaxError.self) { try EventQuery("count():>1") }
    }

    @Test func percentilesAreWithinTwoPercent() {
        var h = WindowHistogram(span: 60)
        for ms in 1...1000 { h.add(Double(ms), at: 100) }
        for (q, exact) in [(0.5, 500.0), (0.95, 950.0), (0.99, 990.0)] {
            let p = h.quantile(q) ?? 0
            #expect(abs(p - exact) / exact < 0.02, "p\(Int(q * 100)) = \(p)")
        }
        // The samples leave the window a window later.
        h.prune(now: 161)
        #expect(h.count == 0 && h.quantile(0.5) == nil)
    }

    @Test func statesMoveOnceAndResolveOnlyWhenWarmedUp() throws {
        var rule = try parseRule(errorsPerMinute)
        #expect(MetricAlertStates.next(rule, from: .ok, value: 3, warmedUp: true) == nil)
        #expect(MetricAlertStates.next(rule, from: .ok, value: 6, warmedUp: false) == .warning)
        #expect(MetricAlertStates.next(rule, from: .ok, value: 11, warmedUp: false) == .critical)
        #expect(MetricAlertStates.next(rule, from: .critical, value: 11, warmedUp: true) == nil)
        #expect(MetricAlertStates.next(rule, from: .critical, value: 7, warmedUp: false) == nil)
        #expect(MetricAlertStates.next(rule, from: .critical, value: 7, warmedUp: true) == .warning)
        #expect(MetricAlertStates.next(rule, from: .warning, value: 5, warmedUp: true) == .resolved)
        #expect(MetricAlertStates.next(rule, from: .resolved, value: 2, warmedUp: true) == nil)
        rule.resolveThreshold = 2
        #expect(MetricAlertStates.next(rule, from: .critical, value: 4, warmedUp: true) == .warning)
        #expect(MetricAlertStates.next(rule, from: .warning, value: 4, warmedUp: true) == nil)
        #expect(MetricAlertStates.next(rule, from: .warning, value: 2, warmedUp: true) == .resolved)
        // A "below" rule (too few transactions) is not judged on a half-counted window.
        var quiet = rule
        quiet.thresholdType = .below
        quiet.resolveThreshold = nil
        quiet.triggers = [MetricAlertRule.Trigger(label: .critical, alertThreshold: 5, actions: [])]
        #expect(MetricAlertStates.next(quiet, from: .ok, value: 0, warmedUp: false) == nil)
        #expect(MetricAlertStates.next(quiet, from: .ok, value: 0, warmedUp: true) == .critical)
        #expect(MetricAlertStates.next(quiet, from: .critical, value: 9, warmedUp: true) == .resolved)
        // Routing: the trigger entered and the trigger left hear of it.
        #expect(MetricAlertStates.actions(rule, from: .ok, to: .critical).count == 1)
        #expect(MetricAlertStates.actions(rule, from: .critical, to: .warning).count == 2)
        #expect(MetricAlertStates.actions(rule, from: .warning, to: .resolved) == [.slack(webhook: "https://chat.example.com/hook")])
    }
}

@Suite(.serialized) struct MetricAlertEngineTests {
    private func create(_ h: AlertHarness, _ json: String) throws -> MetricAlertRule {
        var rule = try parseRule(json, projects: ["web": h.base.projectID])
        rule.organizationID = h.base.bootstrap.organization.id
        let created = try h.base.store.createMetricAlertRule(rule)
        h.engine.metrics.reload()
        return created
    }

    private func states(_ h: AlertHarness, _ rule: MetricAlertRule) throws -> [String] {
        try h.base.store.alertFirings(rule: (.metric, rule.id), projectIDs: [], limit: 100, beforeID: nil).reversed().map(\.trigger)
    }

    private func errors(_ h: AlertHarness, _ n: Int) throws {
        for i in 0..<n { try h.base.event(pythonError("ValueError", "bad \(i)", function: "pay")) }
        h.engine.drain()
    }

    @Test func errorCountGoesCriticalThenWarningThenResolvedAsTheWindowMoves() throws {
        let h = try AlertHarness()
        let rule = try create(h, errorsPerMinute)
        try errors(h, 4)
        #expect(h.engine.metrics.current(ruleID: rule.id)?.value == 4)
        h.clock.advance(30)
        try errors(h, 7)
        #expect(try states(h, rule) == ["critical"])
        h.clock.advance(31)
        h.engine.clockMoved()
        #expect(h.engine.metrics.current(ruleID: rule.id)?.value == 7)
        #expect(try states(h, rule) == ["critical", "warning"])
        h.clock.advance(30)
        h.engine.clockMoved()
        #expect(try states(h, rule) == ["critical", "warning", "resolved"])
        // Notifications by severity: critical pages; warning tells the pager and the chat; resolved tells the chat.
        let firings = try h.base.store.alertFirings(rule: (.metric, rule.id), projectIDs: [], limit: 10, beforeID: nil).reversed()
        #expect(firings.map { $0.deliveries.map(\.kind) } == [["webhook"], ["slack", "webhook"], ["slack"]])
        let payload = try JSONDocument(bytes: Array((firings.first?.payload ?? "").utf8)).root
        #expect(payload["metric"]?["value"]?.double == 11 && payload["metric"]?["threshold"]?.double == 10)
        let slack = String(decoding: AlertMessages.slack(Array((firings.first?.payload ?? "").utf8)), as: UTF8.self)
        #expect(slack.contains("Critical: Errors per minute") && slack.contains("count() is 11 over 1 min (threshold 10)"))
        #expect(try h.base.store.metricAlertRule(id: rule.id)?.state == .resolved)
        // Measuring again changes nothing.
        h.engine.clockMoved()
        #expect(try states(h, rule).count == 3)
    }

    @Test func aRestartKeepsTheStateAndDoesNotResolveOnAHalfCountedWindow() throws {
        let h = try AlertHarness()
        let rule = try create(h, errorsPerMinute)
        try errors(h, 11)
        #expect(try states(h, rule) == ["critical"])
        let restarted = AlertEngine(store: h.base.store, dispatcher: nil, logger: Logger(label: "t"), clock: h.clock.read)
        try restarted.start()
        h.clock.advance(30)
        restarted.clockMoved()
        #expect(restarted.metrics.current(ruleID: rule.id)?.state == .critical)
        h.clock.advance(31)
        restarted.clockMoved()
        #expect(try states(h, rule) == ["critical", "resolved"])
    }

    @Test func p95OfTransactionsAndErrorRate() throws {
        let h = try AlertHarness()
        let p95 = try create(h, """
            {"name": "Slow checkout", "aggregate": "p95(transaction.duration)", "timeWindow": 5, "projects": ["web"],
             "query": "transaction:/checkout",
             "triggers": [{"label": "critical", "alertThreshold": 2000, "actions": []},
                          {"label": "warning", "alertThreshold": 1000, "actions": []}]}
            """)
        let rate = try create(h, """
            {"name": "Error rate", "aggregate": "error_rate()", "timeWindow": 5, "projects": ["web"],
             "triggers": [{"label": "critical", "alertThreshold": 0.05, "actions": []}]}
            """)
        func transaction(_ name: String, ms: Double, status: String = "ok") throws {
            let end = h.clock.now.withLock { $0 }
            try h.base.event(["type": "transaction", "transaction": name, "platform": "python",
                              "start_timestamp": end - ms / 1000, "timestamp": end,
                              "contexts": ["trace": ["trace_id": String(repeating: "a", count: 32), "span_id": String(repeating: "b", count: 16),
                                                     "op": "http.server", "status": status]]])
        }
        for _ in 0..<18 { try transaction("/checkout", ms: 120) }
        for _ in 0..<2 { try transaction("/checkout", ms: 1500) }
        for _ in 0..<10 { try transaction("/other", ms: 9000) }
        h.engine.drain()
        let value = h.engine.metrics.current(ruleID: p95.id)?.value ?? 0
        #expect(abs(value - 1500) < 30, "p95 \(value)")
        #expect(try states(h, p95) == ["warning"])
        let payload = try h.base.store.alertFirings(rule: (.metric, p95.id), projectIDs: [], limit: 1, beforeID: nil).first?.payload ?? ""
        let message = String(decoding: AlertMessages.slack(Array(payload.utf8)), as: UTF8.self)
        #expect(message.contains("p95(transaction.duration) is 15") && message.contains(" ms over 5 min (threshold 1000 ms)"), "\(message)")
        #expect(h.engine.metrics.current(ruleID: rate.id)?.state == .ok)
        try errors(h, 2)
        #expect(h.engine.metrics.current(ruleID: rate.id)?.value == 2.0 / 30)
        #expect(try states(h, rate) == ["critical"])
        let ratePayload = try h.base.store.alertFirings(rule: (.metric, rate.id), projectIDs: [], limit: 1, beforeID: nil).first?.payload ?? ""
        #expect(String(decoding: AlertMessages.slack(Array(ratePayload.utf8)), as: UTF8.self).contains("error_rate() is 6.7 % over 5 min (threshold 5 %)"))
    }

    @Test func failureRateCountsTransactionsThatDidNotEndWell() throws {
        let h = try AlertHarness()
        let failures = try create(h, """
            {"name": "Failing API", "aggregate": "failure_rate()", "timeWindow": 10, "projects": ["web"],
             "query": "transaction.op:http.server",
             "triggers": [{"label": "critical", "alertThreshold": 0.25, "actions": []}], "resolveThreshold": 0.1}
            """)
        func transaction(status: String?, op: String = "http.server") throws {
            var trace: [String: Any] = ["trace_id": String(repeating: "a", count: 32), "span_id": String(repeating: "b", count: 16), "op": op]
            if let status { trace["status"] = status }
            try h.base.event(["type": "transaction", "transaction": "/api", "platform": "python", "start_timestamp": 1_800_000_000.0,
                              "timestamp": 1_800_000_000.2, "contexts": ["trace": trace]])
        }
        // ok, cancelled and unknown are not failures; a missing status is not either; another op does not count.
        for status in ["ok", "ok", "cancelled", "unknown", nil, "internal_error", "deadline_exceeded"] { try transaction(status: status) }
        for _ in 0..<5 { try transaction(status: "internal_error", op: "queue.task") }
        h.engine.drain()
        #expect(h.engine.metrics.current(ruleID: failures.id)?.value == 2.0 / 7)
        #expect(try states(h, failures) == ["critical"])
    }
}
