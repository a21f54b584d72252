import Foundation
import Logging
import Synchronization
import Testing
@testable import FaultlineCore
@testable import SentryProtocol

/// Records what would be sent and answers with the statuses given (then 200).
final class FakeTransport: AlertTransport, @unchecked Sendable {
    struct Sent {
        var url: String
        var headers: [(String, String)]
        var body: [UInt8]
    }
    let sent = Mutex<[Sent]>([])
    let statuses = Mutex<[Int]>([])
    let mails = Mutex<[(to: String, message: [UInt8])]>([])
    var mailFrom: String? { "alerts@example.com" }

    func sendMail(to: String, message: [UInt8]) throws {
        mails.withLock { $0.append((to, message)) }
    }

    func post(url: String, headers: [(String, String)], body: [UInt8],
              approve: @escaping (String, [String]) -> String?) throws -> Int {
        let host = URLComponents(string: url)?.host ?? ""
        if let refusal = approve(host, [host == "internal.test" ? "10.0.0.7" : "93.184.216.34"]) {
            throw AlertTransportError.refused(refusal)
        }
        sent.withLock { $0.append(Sent(url: url, headers: headers, body: body)) }
        return statuses.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
    }
}

/// A clock the test moves.
final class TestClock: @unchecked Sendable {
    let now = Mutex<Double>(1_800_000_000)
    var read: @Sendable () -> Double { { [self] in now.withLock { $0 } } }
    func advance(_ seconds: Double) { now.withLock { $0 += seconds } }
}

struct AlertHarness {
    let base: Harness
    let transport = FakeTransport()
    let clock = TestClock()
    let engine: AlertEngine
    let dispatcher: AlertDispatcher

    init() throws {
        base = try Harness()
        var retry = AlertDispatcher.Retry()
        retry.baseDelay = 10
        retry.maxAttempts = 3
        dispatcher = AlertDispatcher(store: base.store, transport: transport, policy: OutboundPolicy(), retry: retry,
                                     logger: Logger(label: "t"), clock: clock.read)
        // Metric rules are measured by `drain()` in these tests, not by the settle timer.
        engine = AlertEngine(store: base.store, dispatcher: nil, logger: Logger(label: "t"), clock: clock.read,
                             metricSettle: .seconds(30))
        try engine.start()
        try base.store.setAlertSink(engine)
    }

    func rule(_ json: String) throws -> AlertRule {
        let parsed = try AlertRuleCodec.parse(JSONDocument(bytes: Array(json.utf8)).root, projectID: base.projectID) { "s3cret" }
        let created = try base.store.createAlertRule(parsed)
        engine.reload(projectID: base.projectID)
        return created
    }

    /// Sends the events, waits for the engine, and sends what is due.
    func send(_ events: [[String: Any]]) throws {
        for event in events { try base.event(event) }
        engine.drain()
        dispatcher.runNow()
    }

    func firings() throws -> [AlertFiring] {
        try base.store.alertFirings(rule: nil, projectIDs: [base.projectID], limit: 100, beforeID: nil)
    }
}

@Suite struct AlertRuleTests {
    @Test func sentryShapedRulesParseAndRoundTrip() throws {
        let json = """
            {"name": "Payments", "actionMatch": "all", "filterMatch": "any", "frequency": 5, "environment": "production",
             "conditions": [{"id": "\(AlertRuleCodec.eventFrequency)", "value": 10, "interval": "1m"},
                            {"id": "\(AlertRuleCodec.firstSeen)"}],
             "filters": [{"id": "\(AlertRuleCodec.levelFilter)", "match": "gte", "level": "error"},
                         {"id": "\(AlertRuleCodec.attributeFilter)", "attribute": "message", "match": "co", "value": "AUTH_INVALID_TOKEN"},
                         {"id": "\(AlertRuleCodec.ageFilter)", "comparison_type": "newer", "value": 2, "time": "hour"}],
             "actions": [{"id": "webhook", "url": "https://hooks.example.com/x"}, {"id": "slack", "webhook": "https://hooks.slack.com/y"},
                         {"id": "email", "targetIdentifier": "oncall@example.com"}]}
            """
        let rule = try AlertRuleCodec.parse(JSONDocument(bytes: Array(json.utf8)).root, projectID: 1) { "k" }
        #expect(rule.conditions == [.eventFrequency(value: 10, interval: 60), .firstSeen])
        #expect(rule.filters == [.level(match: "gte", level: 40), .attribute(name: "message", match: .co, value: "AUTH_INVALID_TOKEN"),
                                 .age(older: false, seconds: 7200)])
        #expect(rule.actions == [.webhook(url: "https://hooks.example.com/x", secret: "k"), .slack(webhook: "https://hooks.slack.com/y"),
                                 .email(to: "oncall@example.com")])
        #expect(rule.actionMatch == .all && rule.filterMatch == .any && rule.frequency == 5 && rule.environment == "production")
        // Stored with secrets, read back the same; shown without them.
        let stored = AlertRuleCodec.json(rule, secrets: true).serialized
        let again = try AlertRuleCodec.parse(JSONDocument(bytes: stored).root, projectID: 1, stored: true) { "other" }
        #expect(again.actions == rule.actions && again.conditions == rule.conditions && again.filters == rule.filters)
        #expect(!String(decoding: AlertRuleCodec.json(rule, secrets: false).serialized, as: UTF8.self).contains("\"secret\""))
        // Editing keeps the secret of an unchanged URL and makes a new one for a new URL.
        let edited = try AlertRuleCodec.parse(JSONDocument(bytes: Array(json.replacingOccurrences(of: "/y", with: "/z").utf8)).root,
                                              projectID: 1, existing: rule) { "new" }
        #expect(edited.actions.first == .webhook(url: "https://hooks.example.com/x", secret: "k"))
    }

    @Test func statusWinsOverTheReadBackSnoozeFlag() throws {
        let base = "\"name\": \"a\", \"conditions\": [{\"id\": \"\(AlertRuleCodec.firstSeen)\"}], \"actions\": [{\"id\": \"slack\", \"webhook\": \"https://x.example\"}]"
        func muted(_ extra: String) throws -> Bool {
            try AlertRuleCodec.parse(JSONDocument(bytes: Array("{\(base)\(extra)}".utf8)).root, projectID: 1) { "k" }.isMuted
        }
        #expect(try muted(", \"status\": \"disabled\", \"snooze\": false"))
        #expect(try !muted(", \"status\": \"active\", \"snooze\": true"))
        #expect(try muted(", \"snooze\": true"))
        #expect(try !muted(""))
    }

    @Test func badRulesNameTheField() {
        func error(_ json: String) -> String {
            do {
                _ = try AlertRuleCodec.parse(JSONDocument(bytes: Array(json.utf8)).root, projectID: 1) { "k" }
                return ""
            } catch let e as AlertRuleError {
                return e.description
            } catch {
                return "\(error)"
            }
        }
        let trigger = "[{\"id\": \"\(AlertRuleCodec.firstSeen)\"}]"
        let hook = "[{\"id\": \"webhook\", \"url\": \"https://x.example\"}]"
        #expect(error("{\"conditions\": \(trigger), \"actions\": \(hook)}").contains("'name'"))
        #expect(error("{\"name\": \"a\", \"conditions\": [], \"actions\": \(hook)}").contains("at least one trigger"))
        #expect(error("{\"name\": \"a\", \"conditions\": \(trigger), \"actions\": []}").contains("at least one action"))
        #expect(error("{\"name\": \"a\", \"conditions\": [{\"id\": \"\(AlertRuleCodec.eventFrequency)\", \"value\": 1, \"interval\": \"2m\"}], \"actions\": \(hook)}")
                .contains("conditions[0].interval"))
        #expect(error("{\"name\": \"a\", \"conditions\": \(trigger), \"actions\": [{\"id\": \"webhook\", \"url\": \"javascript:alert(1)\"}]}")
                .contains("http or https"))
        #expect(error("{\"name\": \"a\", \"conditions\": \(trigger), \"actions\": [{\"id\": \"email\", \"targetIdentifier\": \"a@b.c\\r\\nBcc: x@y.z\"}]}")
                .contains("one email address"))
        #expect(error("{\"name\": \"a\", \"frequency\": 0, \"conditions\": \(trigger), \"actions\": \(hook)}").contains("'frequency'"))
    }

    @Test func outboundPolicyRefusesInternalAddressesUnlessAllowed() {
        let strict = OutboundPolicy()
        for address in ["127.0.0.1", "10.1.2.3", "172.20.0.1", "192.168.1.1", "169.254.169.254", "::1", "fd00::1", "fe80::1",
                        "::ffff:127.0.0.1", "0.0.0.0", "100.64.0.1", "::", "::",
                        // The review's bypasses: NAT64, IPv4-compatible, SIIT and 6to4 forms of internal addresses.
                        "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "::127.0.0.1", "::10.0.0.1", "::ffff:0:a00:1",
                        "2002:7f00:1::", "2002:a9fe:a9fe::1", "2001:db8::1", "2001:0:4136:e378::1", "64:ff9b:1::1"] {
            #expect(strict.refusal(host: "h", addresses: [address]) != nil, "\(address)")
        }
        #expect(strict.refusal(host: "h", addresses: ["93.184.216.34", "2606:2800:220:1::1"]) == nil)
        #expect(strict.refusal(host: "h", addresses: ["64:ff9b::5db8:d822", "2002:5db8:d822::1"]) == nil,
                "the same forms of a public address are fine")
        #expect(strict.refusal(host: "h", addresses: ["93.184.216.34", "10.0.0.1"]) != nil, "every address must be allowed")
        let allowing = OutboundPolicy(allow: ["127.0.0.0/8", "hooks.internal", "fd00::/8"])
        #expect(allowing.refusal(host: "x", addresses: ["127.0.0.5"]) == nil)
        #expect(allowing.refusal(host: "hooks.internal", addresses: ["10.9.9.9"]) == nil)
        #expect(allowing.refusal(host: "x", addresses: ["fd12::1"]) == nil)
        #expect(allowing.refusal(host: "x", addresses: ["10.0.0.1"]) != nil)
    }

    @Test func signatureIsHMACSHA256OfTimestampAndBody() {
        // Computed independently: printf '1800000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        #expect(AlertDispatcher.signature(Array("{\"a\":1}".utf8), secret: "secret", at: 1_800_000_000)
                == "t=1800000000,v1=" + HMACVector.expected)
    }
}

enum HMACVector {
    static let expected = "440dfbb83aabca24d9e5027629cfd81cb45254690f8d410bb28f1cc17c990dbc"
}

@Suite(.serialized) struct AlertEngineTests {
    let webhook = "[{\"id\": \"webhook\", \"url\": \"https://hooks.example.com/alert\"}]"

    @Test func aNewIssueFiresOnceHoweverManyEventsCome() throws {
        let h = try AlertHarness()
        _ = try h.rule("{\"name\": \"new\", \"conditions\": [{\"id\": \"\(AlertRuleCodec.firstSeen)\"}], \"actions\": \(webhook)}")
        try h.send((0..<20).map { _ in pythonError("KeyError", "'sku'", function: "checkout") })
        let sent = h.transport.sent.withLock { $0 }
        #expect(sent.count == 1)
        let payload = try JSONDocument(bytes: sent[0].body).root
        #expect(payload["trigger"]?.string == "first_seen" && payload["issue"]?["title"]?.string == "KeyError: 'sku'")
        #expect(sent[0].headers.contains { $0.0 == "Faultline-Signature" && $0.1.hasPrefix("t=1800000000,v1=") })
        try h.send([pythonError("ValueError", "bad", function: "pay")])
        #expect(h.transport.sent.withLock { $0.count } == 2, "a second new issue fires too")
    }

    @Test func frequencyRulesFireOncePerIntervalAsTheWindowMoves() throws {
        let h = try AlertHarness()
        let rule = try h.rule("""
            {"name": "busy", "frequency": 5, "conditions": [{"id": "\(AlertRuleCodec.eventFrequency)", "value": 10, "interval": "1m"}],
             "actions": \(webhook)}
            """)
        try h.send((0..<10).map { _ in pythonError("TimeoutError", "gateway", function: "pay") })
        #expect(try h.firings().isEmpty, "10 events are not more than 10")
        try h.send([pythonError("TimeoutError", "gateway", function: "pay")])
        #expect(try h.firings().count == 1)
        try h.send((0..<30).map { _ in pythonError("TimeoutError", "gateway", function: "pay") })
        #expect(try h.firings().count == 1, "within the 5-minute action interval")
        h.clock.advance(6 * 60)
        try h.send([pythonError("TimeoutError", "gateway", function: "pay")])
        #expect(try h.firings().count == 1, "the old events left the 1-minute window")
        try h.send((0..<11).map { _ in pythonError("TimeoutError", "gateway", function: "pay") })
        #expect(try h.firings().count == 2)
        #expect(try h.firings().allSatisfy { $0.ruleID == rule.id && $0.trigger == "event_frequency" })
    }

    @Test func filtersAndEnvironmentDecide() throws {
        let h = try AlertHarness()
        _ = try h.rule("""
            {"name": "payments", "environment": "production", "conditions": [{"id": "\(AlertRuleCodec.firstSeen)"}],
             "filters": [{"id": "\(AlertRuleCodec.taggedFilter)", "key": "payment.failed", "match": "is"},
                         {"id": "\(AlertRuleCodec.levelFilter)", "match": "gte", "level": "40"}],
             "actions": \(webhook)}
            """)
        var staging = pythonError("E1", "x", function: "a", tags: ["payment.failed": "1"])
        staging["environment"] = "staging"
        var noTag = pythonError("E2", "x", function: "b")
        noTag["environment"] = "production"
        var warning = pythonError("E3", "x", function: "c", tags: ["payment.failed": "1"])
        warning["environment"] = "production"
        warning["level"] = "warning"
        var hit = pythonError("E4", "x", function: "d", tags: ["payment.failed": "declined"])
        hit["environment"] = "production"
        try h.send([staging, noTag, warning, hit])
        let titles = try h.firings().compactMap { f in
            try JSONDocument(bytes: Array(f.deliveries[0].payload.utf8)).root["issue"]?["title"]?.string
        }
        #expect(titles == ["E4: x"])
    }

    @Test func deliveriesRetryOnServerErrorsAndStopOnClientErrors() throws {
        let h = try AlertHarness()
        _ = try h.rule("{\"name\": \"new\", \"conditions\": [{\"id\": \"\(AlertRuleCodec.firstSeen)\"}], \"actions\": \(webhook)}")
        h.transport.statuses.withLock { $0 = [503, 502] }
        try h.send([pythonError("KeyError", "a", function: "f")])
        var d = try #require(try h.firings().first?.deliveries.first)
        #expect(d.status == .pending && d.attempts == 1 && d.lastStatus == 503)
        let wait = try #require(d.nextAttemptAt) - h.clock.read()
        #expect(wait >= 8 && wait <= 12, "10 s ± 20 %")
        h.dispatcher.runNow()
        #expect(try h.firings().first?.deliveries.first?.attempts == 1, "not due yet")
        h.clock.advance(13)
        h.dispatcher.runNow()
        d = try #require(try h.firings().first?.deliveries.first)
        #expect(d.status == .pending && d.attempts == 2)
        h.clock.advance(25)
        h.dispatcher.runNow()
        d = try #require(try h.firings().first?.deliveries.first)
        #expect(d.status == .delivered && d.attempts == 3 && d.lastStatus == 200)

        h.transport.statuses.withLock { $0 = [410] }
        try h.send([pythonError("ValueError", "b", function: "g")])
        d = try #require(try h.firings().first?.deliveries.first)
        #expect(d.status == .failed && d.attempts == 1 && d.lastError == "HTTP 410")
    }

    @Test func internalTargetsAreRefusedWithoutSending() throws {
        let h = try AlertHarness()
        _ = try h.rule("""
            {"name": "new", "conditions": [{"id": "\(AlertRuleCodec.firstSeen)"}],
             "actions": [{"id": "webhook", "url": "http://internal.test/hook"}]}
            """)
        try h.send([pythonError("KeyError", "a", function: "f")])
        let d = try #require(try h.firings().first?.deliveries.first)
        #expect(d.status == .failed && (d.lastError ?? "").contains("loopback or private"))
        #expect(h.transport.sent.withLock { $0.isEmpty })
    }

    @Test func emailsAreMultipartWithEscapedHTML() throws {
        let h = try AlertHarness()
        _ = try h.rule("""
            {"name": "mail", "conditions": [{"id": "\(AlertRuleCodec.firstSeen)"}],
             "actions": [{"id": "email", "targetIdentifier": "oncall@example.com"}]}
            """)
        try h.send([pythonError("KeyError", "<script>alert(1)</script>\r\nBcc: evil@example.com", function: "f")])
        let mail = try #require(h.transport.mails.withLock { $0.first })
        #expect(mail.to == "oncall@example.com")
        let text = String(decoding: mail.message, as: UTF8.self)
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        #expect(head.contains("From: Faultline <alerts@example.com>") && head.contains("multipart/alternative"))
        #expect(!head.contains("Bcc:"), "event text never starts a header line")
        let parts = text.components(separatedBy: "Content-Transfer-Encoding: base64\r\n\r\n").dropFirst().map {
            String(decoding: Data(base64Encoded: $0.components(separatedBy: "\r\n--")[0].replacingOccurrences(of: "\r\n", with: "")) ?? Data(), as: UTF8.self)
        }
        #expect(parts.count == 2)
        #expect(parts[0].contains("<script>alert(1)</script>"), "plain text as it was")
        #expect(parts[1].contains("&lt;script&gt;") && !parts[1].contains("<script>"), "HTML escaped")
        #expect(try h.firings().first?.deliveries.first?.status == .delivered)
    }

    @Test func mutedRulesAndDeletedRulesDoNotFire() throws {
        let h = try AlertHarness()
        var rule = try h.rule("{\"name\": \"new\", \"conditions\": [{\"id\": \"\(AlertRuleCodec.firstSeen)\"}], \"actions\": \(webhook)}")
        rule.isMuted = true
        #expect(try h.base.store.updateAlertRule(rule))
        h.engine.reload(projectID: h.base.projectID)
        try h.send([pythonError("KeyError", "a", function: "f")])
        #expect(try h.firings().isEmpty)
        #expect(try h.base.store.deleteAlertRule(id: rule.id))
        h.engine.reload(projectID: h.base.projectID)
        #expect(!h.engine.wants(projectID: h.base.projectID))
    }
}

@Suite struct IssueCounterTests {
    @Test func eventWindowsSlideBySecond() {
        var window = WindowCounter(span: 60)
        for second in [100, 100, 101, 130] { window.add(at: second) }
        #expect(window.total == 4)
        window.add(at: 160)
        #expect(window.total == 3, "the two events of second 100 left the window (160 - 60)")
        window.prune(now: 1000)
        #expect(window.total == 0)
        for second in 0..<2000 { window.add(at: 2000 + second) }
        #expect(window.total == 60)
    }

    @Test func distinctUsersExpireWhenNotSeenAgain() {
        var users = DistinctCounter(span: 3600)
        #expect(users.slotSeconds == 60)
        users.add("a", at: 0)
        users.add("b", at: 0)
        users.add("a", at: 3000)
        #expect(users.count == 2)
        users.prune(now: 3700)
        #expect(users.count == 1, "b was last seen over an hour ago; a was seen again")
        users.prune(now: 7000)
        #expect(users.count == 0)
    }
}
