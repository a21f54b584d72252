import FaultlineCore
import Foundation
import HTTPServer
import Logging
import SentryProtocol
import Synchronization
import Testing
@testable import FaultlineWeb

/// The web app called as a handler, with no socket.
struct WebHarness {
    let app: WebApp
    let store: SQLiteStore
    let bootstrap: Bootstrap

    init() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("web-\(UUID().uuidString)").path
        store = try SQLiteStore(directory: dir)
        bootstrap = try #require(try Bootstrap.runIfEmpty(store, passwordCost: 10))
        let metrics = Metrics()
        let ingest = IngestService(store: store, metrics: metrics, logger: Logger(label: "t"))
        app = WebApp(store: store, ingest: ingest, metrics: metrics, logger: Logger(label: "t"))
    }

    func call(_ method: String, _ target: String, headers: [(String, String)] = [], body: String = "") -> (Int, JSONValue?) {
        let done = DispatchSemaphore(value: 0)
        let box = Mutex<HTTPResponse?>(nil)
        app.handle(HTTPRequest(method: method, target: target, headers: HTTPHeaders(headers), body: Array(body.utf8)),
                   responder: HTTPResponder { r in box.withLock { $0 = r }; done.signal() })
        done.wait()
        let response = box.withLock { $0! }
        return (response.status.code, try? JSONDocument(bytes: response.body).root.value)
    }
}

@Suite struct WebAppTests {
    @Test func ingestThenReadBack() throws {
        let h = try WebHarness()
        let envelope = "{}\n{\"type\":\"event\"}\n{\"exception\":{\"values\":[{\"type\":\"ValueError\",\"value\":\"bad\\nsecond line\"}]},\"tags\":[[\"a\",\"b\"]],\"user\":{\"id\":\"1\"}}\n"
        let (status, body) = h.call("POST", "/api/\(h.bootstrap.project.id)/envelope/",
                                    headers: [("X-Sentry-Auth", "Sentry sentry_key=\(h.bootstrap.key.publicKey)")], body: envelope)
        #expect(status == 200)
        let id = try #require(body?["id"]?.stringValue)
        let auth = [("Authorization", "Bearer \(h.bootstrap.token)")]
        let (s2, event) = h.call("GET", "/api/0/projects/faultline/default/events/\(id)/", headers: auth)
        #expect(s2 == 200)
        #expect(event?["title"]?.stringValue == "ValueError: bad")
        #expect(event?["type"]?.stringValue == "error")
        #expect(event?["entries"]?.arrayValue?.first?["type"]?.stringValue == "exception")
        #expect(event?["entries"]?.arrayValue?.first?["data"]?["hasSystemFrames"] == .bool(false))
        #expect(event?["tags"]?.arrayValue?.contains(.object([("key", .string("a")), ("value", .string("b"))])) == true)
        let (s3, raw) = h.call("GET", "/api/0/projects/faultline/default/events/\(id)/json/", headers: auth)
        #expect(s3 == 200 && raw?["user"]?["id"]?.stringValue == "1")
    }

    @Test func systemFramesAreDetected() {
        let frames: JSONValue = .array([.object([("function", .string("a")), ("inApp", .bool(true))]),
                                        .object([("function", .string("b")), ("inApp", .bool(false))])])
        let exception: JSONValue = .object([("type", .string("E")), ("stacktrace", .object([("frames", frames)]))])
        #expect(EventSerializer.hasSystemFrames([exception]))
        let appOnly: JSONValue = .object([("stacktrace", .object([("frames", .array([.object([("inApp", .bool(true))])]))]))])
        #expect(!EventSerializer.hasSystemFrames([appOnly]))
    }

    @Test func errorsAreJSONWithTheRightStatus() throws {
        let h = try WebHarness()
        let auth = [("Authorization", "Bearer \(h.bootstrap.token)")]
        #expect(h.call("GET", "/nowhere").0 == 404)
        #expect(h.call("PUT", "/_health").0 == 405)
        #expect(h.call("GET", "/api/0/projects/faultline/default/events/\("a" * 32)/").0 == 401)
        #expect(h.call("GET", "/api/0/projects/faultline/default/events/\("a" * 32)/", headers: auth).0 == 404)
        #expect(h.call("GET", "/api/0/projects/faultline/nope/events/\("a" * 32)/", headers: auth).0 == 404)
        #expect(h.call("GET", "/api/0/projects/faultline/default/events/not-an-id/", headers: auth).0 == 404)
        let (status, body) = h.call("POST", "/api/\(h.bootstrap.project.id)/envelope/",
                                    headers: [("X-Sentry-Auth", "Sentry sentry_key=\(h.bootstrap.key.publicKey)")], body: "{")
        #expect(status == 400 && body?["detail"]?.stringValue?.contains("envelope") == true)
    }

    @Test func disabledKeyIs403() throws {
        let h = try WebHarness()
        let key = try h.store.createKey(projectID: h.bootstrap.project.id, label: "old")
        try h.store.setKeyActive(id: key.id, active: false)
        let (status, body) = h.call("POST", "/api/\(h.bootstrap.project.id)/envelope/",
                                    headers: [("X-Sentry-Auth", "Sentry sentry_key=\(key.publicKey)")],
                                    body: "{}\n{\"type\":\"event\"}\n{}\n")
        #expect(status == 403 && body?["detail"]?.stringValue == "this DSN key is disabled")
    }

    @Test func scopesAreEnforced() throws {
        let h = try WebHarness()
        let token = Credentials.newToken()
        _ = try h.store.createToken(organizationID: h.bootstrap.organization.id, hash: Credentials.hash(token: token),
                                    name: nil, scopes: ["org:read"], userID: nil)
        #expect(h.call("GET", "/api/0/projects/faultline/default/events/\("a" * 32)/",
                       headers: [("Authorization", "Bearer \(token)")]).0 == 403)
    }

    @Test func routerFoldsSlashesAndDecodesParameters() {
        var r = Router<Int>()
        r.add("GET", "/api/{id}/store/", 1)
        r.add("POST", "/api/{id}/store/", 2)
        guard case .matched(let m) = r.match(method: "GET", path: "//api/4%32/store") else { Issue.record("no match"); return }
        #expect(m.parameters["id"] == "42" && m.route.handler == 1)
        guard case .methodNotAllowed(let allowed) = r.match(method: "PUT", path: "/api/1/store/") else { Issue.record(); return }
        #expect(Set(allowed) == ["GET", "POST"])
        guard case .notFound = r.match(method: "GET", path: "/api/1/other/") else { Issue.record(); return }
    }
}

extension String {
    static func * (lhs: String, rhs: Int) -> String { String(repeating: lhs, count: rhs) }
}
