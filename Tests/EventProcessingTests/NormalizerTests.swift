import EventProcessing
import Foundation
import SentryProtocol
import Testing

@Suite struct NormalizerTests {
    let now = 1_795_000_000.0

    func normalize(_ object: [String: Any], sentAt: Double? = nil) throws -> NormalizedFields {
        let doc = try eventJSON(object)
        return EventNormalizer.normalize(EventFacts(doc.root), receivedAt: now, sentAt: sentAt)
    }

    @Test func timestampForms() throws {
        #expect(try normalize(["timestamp": now - 10.5]).timestamp == now - 10.5)
        let iso = Timestamp.format(now - 60)
        #expect(try normalize(["timestamp": iso]).timestamp == now - 60)
        // No zone means UTC; an offset is applied.
        let local = String(iso.dropLast())
        #expect(try normalize(["timestamp": local]).timestamp == now - 60)
        let shifted = String(iso.dropLast()) + "+02:00"
        #expect(try normalize(["timestamp": shifted]).timestamp == now - 60 - 7200)
        #expect(try normalize([:]).timestamp == now)
        let bad = try normalize(["timestamp": "yesterday"])
        #expect(bad.timestamp == now)
        #expect(bad.notes.contains { $0.hasPrefix("timestamp") })
    }

    @Test func clockDriftAndFutureClamp() throws {
        // The client's clock is two hours behind: its event time and sent_at both are.
        let drifted = try normalize(["timestamp": now - 7200 - 5], sentAt: now - 7200)
        #expect(drifted.timestamp == now - 5)
        // A small drift is left alone (Relay corrects from 55 minutes).
        #expect(try normalize(["timestamp": now - 65], sentAt: now - 60).timestamp == now - 65)
        let future = try normalize(["timestamp": now + 3600])
        #expect(future.timestamp == now)
        #expect(future.notes.contains { $0.contains("future") })
    }

    @Test func levelsAndPlatforms() throws {
        #expect(try normalize(["level": "warn"]).level == "warning")
        #expect(try normalize(["level": "CRITICAL"]).level == "fatal")
        let bad = try normalize(["level": "loud", "platform": "cobol"])
        #expect(bad.level == "error")
        #expect(bad.platform == "other")
        #expect(bad.notes.count == 2)
    }

    @Test func invalidFieldsAreDroppedNotFatal() throws {
        let n = try normalize(["release": "a\nb", "environment": "prod/eu", "server_name": ["x"],
                               "dist": String(repeating: "d", count: 100), "level": "info"])
        #expect(n.release == nil)
        #expect(n.environment == nil)
        #expect(n.serverName == nil)
        #expect(n.dist?.count == 64)
        #expect(n.notes.count == 4)
        #expect(n.level == "info")
    }

    @Test func tagsFromBothFormsAndDerivedFields() throws {
        let pairs = try normalize(["tags": [["tenant", "acme"], ["n", 3], ["bad"]], "release": "shop@1.2.0",
                                   "contexts": ["browser": ["name": "Chrome", "version": "120.0"], "os": ["name": "Linux"]],
                                   "request": ["url": "https://shop.example.com/cart?id=3"],
                                   "exception": ["values": [["type": "E", "mechanism": ["type": "generic", "handled": false]]]]])
        let tags = Dictionary(pairs.tags.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(tags["tenant"] == "acme")
        #expect(tags["n"] == "3")
        #expect(tags["release"] == "shop@1.2.0")
        #expect(tags["browser"] == "Chrome 120.0")
        #expect(tags["os"] == "Linux")
        #expect(tags["url"] == "https://shop.example.com/cart")
        #expect(tags["handled"] == "no")
        #expect(tags["mechanism"] == "generic")
        #expect(tags["level"] == "error")
        let object = try normalize(["tags": ["tenant": "globex"]])
        #expect(object.tags.contains { $0.key == "tenant" && $0.value == "globex" })
    }

    @Test func userKeyPrecedence() throws {
        #expect(try normalize(["user": ["id": 42, "email": "a@b.c"]]).userKey == "id:42")
        #expect(try normalize(["user": ["email": "a@b.c", "username": "a"]]).userKey == "email:a@b.c")
        #expect(try normalize(["user": ["username": "a", "ip_address": "1.2.3.4"]]).userKey == "username:a")
        #expect(try normalize(["user": ["ip_address": "1.2.3.4"]]).userKey == "ip:1.2.3.4")
        #expect(try normalize(["user": ["ip_address": "{{auto}}"]]).userKey == nil)
    }

    @Test func interfacesInEveryShape() throws {
        let list = EventFacts(try eventJSON(["exception": [["type": "A", "value": "x"]]]).root)
        let values = EventFacts(try eventJSON(["exception": ["values": [["type": "A", "value": "x"]]]]).root)
        #expect(list.exceptions.count == 1 && values.exceptions.count == 1)
        let logentry = EventFacts(try eventJSON(["logentry": ["message": "Invoice %s failed (attempt %d)", "params": ["INV-1", 3]]]).root)
        #expect(logentry.messageFormatted == "Invoice INV-1 failed (attempt 3)")
        let object = EventFacts(try eventJSON(["message": ["message": "hi {0}", "params": ["x"]]]).root)
        #expect(object.messageTemplate == "hi {0}")
        let threads = EventFacts(try eventJSON(["threads": ["values": [["stacktrace": ["frames": [["function": "run"]]]]]]]).root)
        #expect(threads.threadFrames.first?.function == "run")
    }

    @Test func inAppInference() {
        func lib(_ path: String, module: String? = nil, platform: String = "python") -> Bool {
            InAppRules.isLibrary(StackFrame(module: module, absPath: path), platform: platform)
        }
        #expect(lib("/usr/lib/python3.11/json/decoder.py"))
        #expect(lib("/srv/venv/lib/python3.11/site-packages/django/core/handlers/base.py"))
        #expect(lib("/usr/lib/python3/dist-packages/requests/api.py"))
        #expect(lib("/app/node_modules/express/lib/router/index.js", platform: "node"))
        #expect(lib("node:internal/process/task_queues", platform: "node"))
        #expect(lib("Thread.java", module: "java.lang.Thread", platform: "java"))
        #expect(!lib("/srv/shop/app/views.py"))
        #expect(!lib("/app/src/server.js", platform: "node"))
        #expect(!lib("OrderService.java", module: "com.shop.OrderService", platform: "java"))
        #expect(StackFrame(absPath: "/usr/lib/python3.11/x.py", inApp: true).isInApp(platform: "python"))
    }
}
