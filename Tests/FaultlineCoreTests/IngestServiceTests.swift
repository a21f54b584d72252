import ContentCoding
import Foundation
import Logging
import Synchronization
import Testing
@testable import FaultlineCore
@testable import SentryProtocol

/// A fresh store in a temporary directory, bootstrapped with one project.
struct Harness {
    let store: SQLiteStore
    let ingest: IngestService
    let metrics = Metrics()
    let bootstrap: Bootstrap

    init(options: SQLiteStore.Options = SQLiteStore.Options()) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("faultline-\(UUID().uuidString)").path
        store = try SQLiteStore(directory: dir, options: options)
        bootstrap = try #require(try Bootstrap.runIfEmpty(store, passwordCost: 10))
        ingest = IngestService(store: store, metrics: metrics, logger: Logger(label: "test"))
    }

    func request(_ body: [UInt8], encoding: String? = nil, key: String? = nil, project: String? = nil,
                 endpoint: IngestRequest.Endpoint = .envelope) -> IngestRequest {
        IngestRequest(endpoint: endpoint, projectID: project ?? String(bootstrap.project.id), contentEncoding: encoding,
                      xSentryAuth: "Sentry sentry_key=\(key ?? bootstrap.key.publicKey), sentry_version=7", body: body)
    }

    func send(_ request: IngestRequest) -> Result<IngestService.Accepted, IngestError> {
        let done = DispatchSemaphore(value: 0)
        let result = Mutex<Result<IngestService.Accepted, IngestError>?>(nil)
        ingest.ingest(request) { r in
            result.withLock { $0 = r }
            done.signal()
        }
        done.wait()
        return result.withLock { $0! }
    }
}

enum CoreFixtures {
    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: Bundle.module.resourceURL!.appendingPathComponent("Fixtures/sdk-corpus/\(name)")))
    }
}

@Suite struct IngestServiceTests {
    @Test func bootstrapCreatesUsableCredentials() throws {
        let h = try Harness()
        #expect(try Bootstrap.runIfEmpty(h.store) == nil, "only once")
        #expect(try h.store.token(hash: Credentials.hash(token: h.bootstrap.token))?.organizationID == h.bootstrap.organization.id)
        #expect(try h.store.token(hash: Credentials.hash(token: "wrong")) == nil)
        #expect(h.bootstrap.key.dsn(publicURL: "http://127.0.0.1:9000/") == "http://\(h.bootstrap.key.publicKey)@127.0.0.1:9000/1")
    }

    @Test func gzipEnvelopeIsStoredAsReceivedAndReadBack() throws {
        let h = try Harness()
        let body = try CoreFixtures.bytes("001_gzip_unhandled_nested_1.body")
        let accepted = try h.send(h.request(body, encoding: "gzip")).get()
        let id = try #require(accepted.eventID)
        let stored = try #require(try h.store.event(projectID: h.bootstrap.project.id, eventID: id))
        let envelope = try EnvelopeParser.parse(try CoreFixtures.bytes("001_gzip_unhandled_nested_1.decompressed"))
        #expect(stored.json == Array(envelope.payload(of: envelope.items[0])))
        #expect(stored.platform == "python")
        #expect(stored.level == "error")
        // The compressed body is what was kept.
        let kept = try h.store.readers.read { try $0.first("SELECT encoding, length(bytes) FROM payloads") { ($0.string(0), $0.int(1)) } }
        #expect(kept?.0 == "gzip" && kept?.1 == body.count)
    }

    @Test func legacyStoreJSON() throws {
        let h = try Harness()
        let accepted = try h.send(h.request(Array(#"{"message":"legacy","level":"warning"}"#.utf8), endpoint: .store)).get()
        let id = try #require(accepted.eventID)
        let stored = try #require(try h.store.event(projectID: h.bootstrap.project.id, eventID: id))
        #expect(stored.level == "warning")
    }

    /// raven-python's form: base64 of zlib, `application/octet-stream`, no `Content-Encoding`.
    @Test func legacyBase64ZlibStoreBody() throws {
        let h = try Harness()
        let json = Array(#"{"message":"from raven","level":40,"platform":"python"}"#.utf8)
        let body = Array(Data(DeflateEncoder.compress(json, format: .zlib)).base64EncodedString().utf8)
        let accepted = try h.send(h.request(body, endpoint: .store)).get()
        let id = try #require(accepted.eventID)
        let stored = try #require(try h.store.event(projectID: h.bootstrap.project.id, eventID: id))
        #expect(stored.json == json)
        #expect(stored.level == "error")
        // Kept as the JSON it wrapped, so the raw-event route answers with JSON.
        let kept = try h.store.readers.read { try $0.first("SELECT encoding, format FROM payloads") { ($0.string(0), $0.string(1)) } }
        #expect(kept?.0 == "identity" && kept?.1 == "json")
        // Base64 of something that is not zlib is a 400-class body error, not a crash.
        let junk = Array(Data([0x78, 0x9C, 9, 9, 9]).base64EncodedString().utf8)
        #expect(throws: IngestError.self) { try h.send(h.request(junk, endpoint: .store)).get() }
    }

    /// A rejection leaves one debug line naming the project and the reason, never the body.
    @Test func rejectionsAreLoggedAtDebug() throws {
        let h = try Harness()
        let lines = CapturedLog()
        var logger = Logger(label: "test") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .debug
        let ingest = IngestService(store: h.store, metrics: h.metrics, logger: logger)
        let done = DispatchSemaphore(value: 0)
        ingest.ingest(h.request(Array(#"{"message": secret-value}"#.utf8), endpoint: .store)) { _ in done.signal() }
        done.wait()
        let logged = lines.all
        #expect(logged.count == 1)
        let line = try #require(logged.first)
        #expect(line.contains("ingest rejected") && line.contains("project=\(h.bootstrap.project.id)") && line.contains("reason=invalid_json"))
        #expect(!line.contains("secret-value"))
    }

    /// A transaction whose times are all invalid is filed at the time the event was given, not at the epoch.
    @Test func transactionWithoutValidTimesIsFiledNow() throws {
        let h = try Harness()
        let tx = #"{"type":"transaction","transaction":"/negative","start_timestamp":-10,"timestamp":-5,"contexts":{"trace":{"trace_id":"0123456789abcdef0123456789abcdef","span_id":"00000000000000aa"}},"spans":[{"span_id":"00000000000000bb","parent_span_id":"00000000000000aa","op":"db","description":"SELECT 1","start_timestamp":-10,"timestamp":-6}]}"#
        let body = Array("{}\n{\"type\":\"transaction\"}\n\(tx)\n".utf8)
        _ = try h.send(h.request(body)).get()
        let now = Date().timeIntervalSince1970
        let samples = try h.store.transactionSamples(TransactionSelection(projectIDs: [h.bootstrap.project.id],
                                                                          since: now - 3600, until: now + 3600, limit: 10))
        #expect(samples.map(\.name) == ["/negative"])
        #expect(samples.first.map { $0.durationMS == 0 && abs($0.timestamp - now) < 60 } == true)
    }

    @Test func duplicatesAreStoredOnceAndStillAccepted() throws {
        let h = try Harness()
        let body = Array("{\"event_id\":\"9ec79c33ec9942ab8353589fcb2e04dc\"}\n{\"type\":\"event\"}\n{\"message\":\"x\"}\n".utf8)
        for _ in 0..<3 { #expect(throws: Never.self) { try h.send(h.request(body)).get() } }
        #expect(try h.store.eventCount() == 1)
        #expect(h.metrics.value(.init("faultline_events_accepted_total", [("category", "error")])) == 1)
    }

    /// Stored ids are kept in memory until the aggregate flush writes `event_ids`; a resend is caught on each
    /// side of that flush, after a restart, and within one batch.
    @Test func resendsAreCaughtAfterTheFlushAfterARestartAndWithinABatch() throws {
        let h = try Harness()
        let id = try #require(EventID("9ec79c33ec9942ab8353589fcb2e04dc"))
        let body = Array("{\"event_id\":\"\(id.hex)\"}\n{\"type\":\"event\"}\n{\"message\":\"x\"}\n".utf8)
        _ = try h.send(h.request(body)).get()
        // Reading by id writes the pending ids first.
        #expect(try h.store.event(projectID: h.bootstrap.project.id, eventID: id) != nil)
        _ = try h.send(h.request(body)).get()
        #expect(try h.store.eventCount() == 1)

        let directory = (h.store.path as NSString).deletingLastPathComponent
        h.store.close()
        let reopened = try SQLiteStore(directory: directory)
        let ingest = IngestService(store: reopened, metrics: Metrics(), logger: Logger(label: "test"))
        let done = DispatchSemaphore(value: 0)
        ingest.ingest(h.request(body)) { _ in done.signal() }
        done.wait()
        #expect(try reopened.eventCount() == 1)

        let twice = try #require(EventID("0ec79c33ec9942ab8353589fcb2e04dd"))
        let row = IngestBatch.EventRow(eventID: twice, type: "event", timestamp: 1, level: "error", platform: nil, release: nil,
                                       environment: nil, itemIndex: 0, issue: nil)
        let batch = IngestBatch(projectID: h.bootstrap.project.id, receivedAt: 1,
                                payload: .init(encoding: "identity", format: "json", bytes: Array("{}".utf8)),
                                events: [row, row], items: [], outcomes: [])
        let receipt = Mutex<IngestReceipt?>(nil)
        reopened.expectCommit()
        reopened.commit(batch) { result in
            receipt.withLock { $0 = try? result.get() }
            done.signal()
        }
        done.wait()
        #expect(receipt.withLock { $0?.duplicates } == [twice])
        #expect(try reopened.eventCount() == 2)
        #expect(try reopened.event(projectID: h.bootstrap.project.id, eventID: twice) != nil)
        reopened.close()
    }

    @Test func keysAreChecked() throws {
        let h = try Harness()
        let body = Array("{}\n{\"type\":\"event\"}\n{}\n".utf8)
        #expect(throws: IngestError.self) { try h.send(h.request(body, key: "0" * 32)).get() }
        #expect(throws: IngestError.self) { try h.send(h.request(body, project: "999")).get() }
        #expect(throws: IngestError.self) { try h.send(h.request(body, project: "abc")).get() }
        var noAuth = h.request(body)
        noAuth.xSentryAuth = nil
        if case .failure(.protocol(.missingAuth)) = h.send(noAuth) {} else { Issue.record("expected missingAuth") }
    }

    @Test func disabledKeysAreRefused() throws {
        let h = try Harness()
        let other = try h.store.createKey(projectID: h.bootstrap.project.id, label: "CI")
        try h.store.setKeyActive(id: other.id, active: false)
        let body = Array("{}\n{\"type\":\"event\"}\n{}\n".utf8)
        guard case .failure(.disabledKey) = h.send(h.request(body, key: other.publicKey)) else {
            Issue.record("expected disabledKey")
            return
        }
        #expect(throws: Never.self) { try h.send(h.request(body)).get() }
    }

    @Test func rejectionsAreCountedOnceWithTheirProject() throws {
        let h = try Harness()
        let badItem = Array("{}\n{\"type\":\"event\"}\n{\"message\": oops}\n".utf8)
        #expect(throws: IngestError.self) { try h.send(h.request(badItem)).get() }
        #expect(h.metrics.value(.init("faultline_events_rejected_total", [("reason", "invalid_json")])) == 1)
        // The outcome is written asynchronously; an administrative write after it flushes the queue.
        try h.store.setSetting("flush", "1")
        let invalid = try h.store.readers.read {
            try $0.scalarInt("SELECT quantity FROM outcomes WHERE outcome = 'invalid' AND reason = 'invalid_json' AND project_id = ?",
                             [h.bootstrap.project.id])
        }
        #expect(invalid == 1)
    }

    @Test func storedAndDroppedItemTypes() throws {
        let h = try Harness()
        let body = Array(("{\"event_id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}\n"
            + "{\"type\":\"check_in\"}\n{\"check_in_id\":\"x\"}\n"
            + "{\"type\":\"replay_video\",\"length\":2}\nzz\n"
            + "{\"type\":\"statsd\"}\nfoo:1|c\n").utf8)
        let accepted = try h.send(h.request(body)).get()
        #expect(accepted.eventID?.hex == "a" * 32)
        let types = try h.store.readers.read { try $0.rows("SELECT type FROM envelope_items") { $0.string(0) ?? "" } }
        #expect(types == ["check_in"])
        let outcomes = try h.store.readers.read {
            try $0.rows("SELECT category, outcome, reason, quantity FROM outcomes ORDER BY category") {
                "\($0.string(0)!)/\($0.string(1)!)/\($0.string(2)!)/\($0.int(3))"
            }
        }
        #expect(outcomes == ["default/filtered/unsupported_item/1", "monitor/accepted//1", "replay/filtered/unsupported_item/1"])
    }

    @Test func groupCommitBatchesConcurrentRequests() throws {
        let h = try Harness()
        let group = DispatchGroup()
        let failures = Atomic<Int>(0)
        for i in 0..<400 {
            group.enter()
            DispatchQueue.global().async {
                let id = String(format: "%032x", i + 1)
                let body = Array("{\"event_id\":\"\(id)\"}\n{\"type\":\"event\"}\n{\"message\":\"m\(i)\"}\n".utf8)
                h.ingest.ingest(h.request(body)) { result in
                    if case .failure = result { failures.add(1, ordering: .relaxed) }
                    group.leave()
                }
            }
        }
        group.wait()
        #expect(failures.load(ordering: .relaxed) == 0)
        #expect(try h.store.eventCount() == 400)
        let batches = h.store.batchSizeHistogram.snapshot
        #expect(batches.count < 400, "some commits carried more than one request")
    }
}

extension String {
    static func * (lhs: String, rhs: Int) -> String { String(repeating: lhs, count: rhs) }
}

final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}

struct CapturingLogHandler: LogHandler {
    let lines: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
             function: String, line: UInt) {
        let fields = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.append("\(level) \(message) \(fields)")
    }
}
