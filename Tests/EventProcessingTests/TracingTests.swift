import Foundation
import SentryProtocol
import Testing
@testable import EventProcessing

struct SpanDescriptionTests {
    @Test(arguments: [
        ("SELECT * FROM users WHERE id = 42", "SELECT * FROM users WHERE id = %s"),
        ("select count() from table1 where id in (100, 101, 102)", "SELECT count() FROM table1 WHERE id IN (%s)"),
        ("SELECT myfield1, \"a\".\"b\", another_field FROM table1 WHERE x = 'it''s'", "SELECT .. FROM table1 WHERE x = %s"),
        ("SELECT name FROM items WHERE cart_id = $1 AND sku = ?", "SELECT name FROM items WHERE cart_id = %s AND sku = %s"),
        ("SELECT name FROM items WHERE cart_id = %(cart)s AND n > %s", "SELECT name FROM items WHERE cart_id = %s AND n > %s"),
        ("SELECT name FROM items WHERE cart_id = :cart -- trailing\n AND ok = true", "SELECT name FROM items WHERE cart_id = %s AND ok = %s"),
        ("INSERT INTO t (a, b) VALUES (1, 'x'), (2, 'y'), (3, 'z')", "INSERT INTO t (a, b) VALUES (%s)"),
        ("UPDATE t SET price = 1.5e3, code = N'abc', blob = X'0fa0' WHERE id = 0x1F", "UPDATE t SET price = %s, code = %s, blob = %s WHERE id = %s"),
        ("SAVEPOINT \"s1_x\"", "SAVEPOINT s1_x"),
        ("/* app:checkout */ SELECT   id\n\tFROM orders", "SELECT id FROM orders"),
        ("SELECT a FROM t WHERE x IN (SELECT b FROM u WHERE c = 5)", "SELECT a FROM t WHERE x IN (SELECT b FROM u WHERE c = %s)"),
    ])
    func sql(input: String, expected: String) {
        #expect(SpanDescription.normalize(op: "db", description: input) == expected)
        #expect(SpanDescription.normalize(op: "db.sql.query", description: input) == expected)
    }

    @Test func queriesThatDifferOnlyInValuesShareAGroup() {
        let a = SpanDescription.normalize(op: "db", description: "SELECT * FROM product WHERE id = 17")
        let b = SpanDescription.normalize(op: "db", description: "select * from product where id = 90210")
        #expect(a == b)
        #expect(TraceRecords.group(op: "db", description: a) == TraceRecords.group(op: "db", description: b))
        #expect(TraceRecords.group(op: "db", description: a) != TraceRecords.group(op: "http.client", description: a))
    }

    @Test func otherOps() {
        #expect(SpanDescription.normalize(op: "http.client", description: "get https://api.example.com/users/42/orders/9f3c2a1b7d?x=1#f")
                == "GET https://api.example.com/users/*/orders/*")
        #expect(SpanDescription.normalize(op: "http.client",
                                          description: "POST https://h/v1/items/3fa85f64-5717-4562-b3fc-2c963f66afa6/cart")
                == "POST https://h/v1/items/*/cart")
        #expect(SpanDescription.normalize(op: "http.client", description: "GET /static/app.js") == "GET /static/app.js")
        #expect(SpanDescription.normalize(op: "db.redis", description: "get session:abc") == "GET *")
        #expect(SpanDescription.normalize(op: "cache.get", description: "user:1") == "USER:1 *")
        #expect(SpanDescription.normalize(op: "template.render", description: "  cart.html ") == "cart.html")
    }

    @Test func hostileDescriptionsAreBounded() {
        let huge = "SELECT " + String(repeating: "'a', ", count: 2_000_000) + "x FROM t"
        let out = SpanDescription.normalize(op: "db", description: huge)
        #expect(out.utf8.count <= SpanDescription.maxInputLength)
        let quotes = String(repeating: "'", count: 100_001)
        #expect(SpanDescription.normalize(op: "db", description: quotes).utf8.count <= SpanDescription.maxInputLength)
        #expect(SpanDescription.normalize(op: "db", description: "/* never closed") == "")
    }
}

struct TraceRecordsTests {
    func document(_ object: [String: Any]) throws -> JSONDocument {
        try JSONDocument(bytes: Array(try JSONSerialization.data(withJSONObject: object)))
    }

    static let trace = "0123456789abcdef0123456789abcdef"

    @Test func aTransactionWithNestedSpans() throws {
        let doc = try document([
            "type": "transaction", "transaction": "/checkout", "start_timestamp": 100.0, "timestamp": 101.0,
            "request": ["method": "post"],
            "contexts": ["trace": ["trace_id": Self.trace, "span_id": "aaaaaaaaaaaaaaaa", "op": "http.server", "status": "ok"]],
            "measurements": ["lcp": ["value": 2500.0, "unit": "millisecond"], "bad": ["value": "x"]],
            "spans": [
                ["span_id": "bbbbbbbbbbbbbbbb", "parent_span_id": "aaaaaaaaaaaaaaaa", "op": "db", "start_timestamp": 100.1,
                 "timestamp": 100.5, "description": "SELECT * FROM cart WHERE id = 3", "data": ["db.system": "postgresql"]],
                ["span_id": "cccccccccccccccc", "parent_span_id": "bbbbbbbbbbbbbbbb", "op": "db", "start_timestamp": 100.2,
                 "timestamp": 100.3, "description": "SELECT 1"],
                // Reversed times: a zero-length span, not a negative one.
                ["span_id": "dddddddddddddddd", "parent_span_id": "aaaaaaaaaaaaaaaa", "op": "http.client", "start_timestamp": 100.9,
                 "timestamp": 100.6, "description": "GET https://x/items/12", "data": ["http.response.status_code": 200,
                                                                                     "http.response_content_length": 900_000]],
                ["span_id": "not-hex"],
            ],
        ])
        let out = TraceRecords.transaction(doc.root, name: nil)
        let t = try #require(out.transactions.first)
        #expect(t.name == "/checkout" && t.op == "http.server" && t.status == "ok" && t.httpMethod == "POST")
        #expect(t.traceID == EventID(Self.trace) && t.spanID == 0xAAAA_AAAA_AAAA_AAAA)
        #expect(abs(t.durationMS - 1000) < 1e-6)
        #expect(abs(t.selfTimeMS - 600) < 1e-6, "1 s less the db span's 0.4 s (the http span has no length)")
        #expect(t.measurements.map(\.name) == ["lcp"] && t.measurements.first?.value == 2500)
        #expect(out.spans.count == 3)
        let db = out.spans[0]
        #expect(db.description == "SELECT * FROM cart WHERE id = %s" && db.dbSystem == "postgresql")
        #expect(abs(db.durationMS - 400) < 1e-6 && abs(db.selfTimeMS - 300) < 1e-6)
        #expect(db.segmentID == 0xAAAA_AAAA_AAAA_AAAA)
        let http = out.spans[2]
        #expect(http.durationMS == 0 && http.httpStatusCode == 200 && http.httpResponseContentLength == 900_000)
        #expect(http.description == "GET https://x/items/*")
    }

    @Test func cyclesAndAbsurdCountsStayBounded() throws {
        var spans: [[String: Any]] = []
        for i in 0..<3000 {
            // Every span names the next as its parent, and the last names the first: a cycle.
            spans.append(["span_id": String(format: "%016x", i + 1), "parent_span_id": String(format: "%016x", (i + 1) % 3000 + 1),
                          "op": "db", "start_timestamp": 1.0, "timestamp": 2.0, "description": "SELECT \(i)"])
        }
        let doc = try document(["start_timestamp": 1.0, "timestamp": 2.0, "spans": spans,
                                "contexts": ["trace": ["trace_id": Self.trace, "span_id": "00000000000000ff"]]])
        let out = TraceRecords.transaction(doc.root, name: "t")
        #expect(out.spans.count == TraceRecords.maxSpans && out.droppedSpans == 1000)
        #expect(Set(out.spans.map(\.group)).count == 1, "SELECT n parameterizes to one group")
        #expect(out.spans.allSatisfy { $0.selfTimeMS >= 0 })
    }

    @Test func streamedSpans() throws {
        let doc = try document(["version": 2, "items": [
            ["trace_id": Self.trace, "span_id": "1111111111111111", "name": "GET /users", "status": "ok", "is_segment": true,
             "start_timestamp": 10.0, "end_timestamp": 10.5,
             "attributes": ["sentry.op": ["type": "string", "value": "http.server"],
                            "sentry.segment.name": ["type": "string", "value": "/users"]]],
            ["trace_id": Self.trace, "span_id": "2222222222222222", "parent_span_id": "1111111111111111",
             "name": "SELECT * FROM users WHERE id = 7", "status": "ok", "start_timestamp": 10.1, "end_timestamp": 10.3,
             "attributes": ["sentry.op": ["type": "string", "value": "db"],
                            "sentry.segment.id": ["type": "string", "value": "1111111111111111"],
                            "db.system": ["type": "string", "value": "sqlite"]]],
        ]])
        let out = TraceRecords.streamed(doc.root)
        #expect(out.transactions.count == 1 && out.transactions[0].name == "/users" && out.transactions[0].op == "http.server")
        #expect(abs(out.transactions[0].selfTimeMS - 300) < 1e-6)
        #expect(out.spans.count == 1 && out.spans[0].description == "SELECT * FROM users WHERE id = %s")
        #expect(out.spans[0].segmentID == 0x1111_1111_1111_1111 && out.spans[0].dbSystem == "sqlite")
        #expect(!out.hasSpansOfOtherSegments)
    }

    /// A container of spans whose segment span is not in it (the SDK flushed them mid-request) says so: they are
    /// stored where the trace read finds them without a transaction row.
    @Test func streamedSpansWithoutTheirSegment() throws {
        let doc = try document(["version": 2, "items": [
            ["trace_id": Self.trace, "span_id": "2222222222222222", "parent_span_id": "1111111111111111",
             "name": "SELECT 1", "start_timestamp": 10.1, "end_timestamp": 10.3, "is_segment": false,
             "attributes": ["sentry.segment.id": ["type": "string", "value": "1111111111111111"]]],
        ]])
        let out = TraceRecords.streamed(doc.root)
        #expect(out.transactions.isEmpty && out.spans.count == 1 && out.traceID != nil)
        #expect(out.hasSpansOfOtherSegments)
    }

    /// Spans sent without `sentry.segment.id` join the segment their parents lead to; the segment's user comes from
    /// the `user.*` attributes; a cycle in parent ids leaves its spans without a segment, and ends.
    @Test func streamedSpansFindTheirSegmentAndUser() throws {
        func item(_ id: String, parent: String?, segment: Bool = false, attributes: [String: Any] = [:]) -> [String: Any] {
            var attrs: [String: Any] = ["sentry.op": ["type": "string", "value": segment ? "http.server" : "db"]]
            for (k, v) in attributes { attrs[k] = ["type": "string", "value": v] }
            var out: [String: Any] = ["trace_id": Self.trace, "span_id": id, "name": "SELECT 1", "is_segment": segment,
                                      "start_timestamp": 10.0, "end_timestamp": 10.2, "attributes": attrs]
            if let parent { out["parent_span_id"] = parent }
            return out
        }
        let doc = try document(["version": 2, "items": [
            item("1111111111111111", parent: nil, segment: true, attributes: ["user.email": "ada@example.com"]),
            item("2222222222222222", parent: "1111111111111111"),
            item("3333333333333333", parent: "2222222222222222"),
            item("4444444444444444", parent: "5555555555555555"), item("5555555555555555", parent: "4444444444444444"),
        ]])
        let out = TraceRecords.streamed(doc.root)
        #expect(out.transactions.first?.userKey == "email:ada@example.com")
        let segments = Dictionary(uniqueKeysWithValues: out.spans.map { ($0.spanID, $0.segmentID) })
        #expect(segments[0x2222_2222_2222_2222] == 0x1111_1111_1111_1111)
        #expect(segments[0x3333_3333_3333_3333] == 0x1111_1111_1111_1111)
        #expect(segments[0x4444_4444_4444_4444] == .some(nil) && segments[0x5555_5555_5555_5555] == .some(nil))
    }
}

struct SpanBlockTests {
    static func span(_ id: UInt64, parent: UInt64?, description: String, db: String? = nil) -> SpanRecord {
        SpanRecord(spanID: id, parentSpanID: parent, segmentID: 1, op: "db", description: description,
                   group: TraceRecords.group(op: "db", description: description), truncated: id == 3, start: 100.25 + Double(id),
                   durationMS: 12.5, selfTimeMS: 2.25, status: id == 2 ? "ok" : nil, dbSystem: db,
                   httpStatusCode: id == 2 ? 503 : nil, httpResponseContentLength: id == 2 ? 300_001 : nil)
    }

    @Test func roundTripsAndStoresRepeatedTextsOnce() throws {
        let spans = (1...50).map { Self.span(UInt64($0), parent: $0 == 1 ? nil : 1, description: "SELECT * FROM t WHERE id = %s",
                                             db: "postgresql") }
        let block = SpanBlock.encode(spans)
        #expect(try #require(SpanBlock.decode(block)) == spans)
        #expect(block.count < 50 * 64 + 100, "one copy of the repeated query")
        #expect(SpanBlock.decode(SpanBlock.encode([])) == [])
    }

    @Test func corruptBlocksAreNilNeverATrap() {
        let block = SpanBlock.encode([Self.span(1, parent: nil, description: "x"), Self.span(2, parent: 1, description: "y")])
        for cut in 0..<block.count { #expect(SpanBlock.decode(Array(block[..<cut])) == nil) }
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var bytes = block
            bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            _ = SpanBlock.decode(bytes)
        }
        #expect(SpanBlock.decode([1, 0xFF, 0xFF]) == nil)
        #expect(SpanBlock.decode([1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF]) == nil, "a count larger than the bytes")
    }
}

struct PerformanceDetectorTests {
    static let root: UInt64 = 0xAAAA

    static func span(_ id: UInt64, _ op: String, _ description: String, start: Double, ms: Double, parent: UInt64 = root,
                     length: Int? = nil) -> SpanRecord {
        let normalized = SpanDescription.normalize(op: op, description: description)
        return SpanRecord(spanID: id, parentSpanID: parent, segmentID: root, op: op, description: normalized,
                          group: TraceRecords.group(op: op, description: normalized), truncated: description.hasSuffix("..."),
                          start: start, durationMS: ms, selfTimeMS: ms, status: nil, dbSystem: "postgresql", httpStatusCode: nil,
                          httpResponseContentLength: length)
    }

    static let transaction = TransactionRecord(traceID: nil, spanID: root, parentSpanID: nil, name: "/checkout", op: "http.server",
                                               status: "ok", start: 0, end: 2, durationMS: 2000, selfTimeMS: 0, httpMethod: nil,
                                               measurements: [])

    static func cart(items: Int, ms: Double, slow: Double = 10) -> [SpanRecord] {
        var spans = [span(1, "db", "SELECT * FROM carts WHERE user_id = 7", start: 0.01, ms: 5)]
        for i in 0..<items {
            spans.append(span(UInt64(10 + i), "db.sql.query", "SELECT * FROM items WHERE id = \(100 + i)",
                              start: 0.02 + Double(i) * 0.02, ms: ms))
        }
        spans.append(span(99, "db", "SELECT sum(price) FROM prices WHERE region = 'eu'", start: 1.5, ms: slow))
        return spans
    }

    @Test func nPlusOneQueriesAreFoundWithTheirEvidence() throws {
        let problems = PerformanceDetector.detect(Self.transaction, spans: Self.cart(items: 6, ms: 12))
        let n1 = try #require(problems.first { $0.kind == .nPlusOneDB })
        #expect(n1.description == "SELECT * FROM items WHERE id = %s" && n1.offendingSpanIDs == (10..<16).map { UInt64($0) })
        #expect(n1.parentOp == "http.server", "\(String(describing: n1.parentOp))")
        #expect(n1.parentDescription == "/checkout", "\(String(describing: n1.parentDescription))")
        #expect(abs(n1.totalDurationMS - 72) < 1e-9, "\(n1.totalDurationMS)")
        #expect(n1.fingerprint.hasPrefix("1-1006-"))
        #expect(problems.count == 1, "no slow query at 10 ms")
        // Same shape with other ids: the same fingerprint; another query repeated: another one.
        let again = PerformanceDetector.detect(Self.transaction, spans: Self.cart(items: 9, ms: 20))
        #expect(again.first { $0.kind == .nPlusOneDB }?.fingerprint == n1.fingerprint)
    }

    @Test func belowTheThresholdsNothingIsFound() {
        #expect(PerformanceDetector.detect(Self.transaction, spans: Self.cart(items: 4, ms: 30)).isEmpty, "four repeats")
        #expect(PerformanceDetector.detect(Self.transaction, spans: Self.cart(items: 6, ms: 5)).isEmpty, "30 ms in all")
        var interrupted = Self.cart(items: 6, ms: 12)
        interrupted.insert(Self.span(50, "http.client", "GET https://x/y", start: 0.071, ms: 1), at: 4)
        #expect(PerformanceDetector.detect(Self.transaction, spans: interrupted).isEmpty, "another span ends a run")
        var settings = DetectorSettings()
        settings.enabled = []
        #expect(PerformanceDetector.detect(Self.transaction, spans: Self.cart(items: 9, ms: 30, slow: 900), settings: settings).isEmpty)
    }

    @Test func slowQueriesAndLargePayloads() throws {
        let problems = PerformanceDetector.detect(Self.transaction, spans: Self.cart(items: 1, ms: 5, slow: 650) + [
            Self.span(60, "http.client", "GET https://api.example.com/export/42", start: 1.8, ms: 150, length: 900_000),
            Self.span(61, "http.client", "GET https://cdn.example.com/app.js", start: 1.8, ms: 150, length: 900_000),
            Self.span(62, "db", "UPDATE t SET a = 1", start: 1.9, ms: 900),
        ])
        #expect(problems.map(\.kind) == [.slowDBQuery, .largeHTTPPayload])
        let slow = problems[0]
        #expect(slow.description == "SELECT sum(price) FROM prices WHERE region = %s" && slow.fingerprint.hasPrefix("1-1001-"))
        #expect(problems[1].description == "GET https://api.example.com/export/*")
    }

    @Test func nPlusOneAPICallsOnlyInBrowserTransactions() {
        let calls = (0..<6).map { Self.span(UInt64(70 + $0), "http.client", "GET https://api.example.com/products/\($0 + 1)",
                                            start: 0.1 + Double($0) * 0.005, ms: 80) }
        var pageload = Self.transaction
        pageload.op = "pageload"
        #expect(PerformanceDetector.detect(pageload, spans: calls).map(\.kind) == [.nPlusOneAPI])
        #expect(PerformanceDetector.detect(Self.transaction, spans: calls).isEmpty)
    }
}
