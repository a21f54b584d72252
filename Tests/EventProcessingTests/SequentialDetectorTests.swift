import Testing
@testable import EventProcessing
import SentryProtocol

/// Consecutive DB queries and uncompressed assets, at and around Sentry's thresholds, and the per-project settings.
struct SequentialDetectorTests {
    typealias T = PerformanceDetectorTests

    /// A page that loads the user, then three lists that do not depend on it, one after another.
    static func dashboard(independentMS: Double = 120, where clause: String = "") -> [SpanRecord] {
        [
            T.span(1, "db", "SELECT * FROM users WHERE id = 7", start: 0.000, ms: 20),
            T.span(2, "db.sql.query", "SELECT * FROM products\(clause)", start: 0.030, ms: independentMS),
            T.span(3, "db.sql.query", "SELECT * FROM categories", start: 0.200, ms: independentMS),
            T.span(4, "db", "SELECT count(*) FROM orders", start: 0.400, ms: independentMS),
        ]
    }

    @Test func queriesThatCouldRunTogetherAreFound() throws {
        let problems = PerformanceDetector.detect(T.transaction, spans: Self.dashboard())
        let found = try #require(problems.first)
        #expect(problems.map(\.kind) == [.consecutiveDB])
        #expect(found.fingerprint.hasPrefix("1-1007-") && found.offendingSpanIDs == [1, 2, 3, 4])
        #expect(found.description == "SELECT * FROM products", "\(found.description)")
        // 380 ms in all; running the three beside the first would take max(120, 20): 260 ms saved.
        #expect(abs((found.timeSavedMS ?? 0) - 260) < 1e-6, "\(String(describing: found.timeSavedMS))")
        #expect(PerformanceDetector.detect(T.transaction, spans: Self.dashboard(independentMS: 140)).first?.fingerprint
                == found.fingerprint, "the same queries, other timings: one issue")
    }

    @Test func consecutiveQueriesBelowTheThresholds() {
        // Each independent query must take over 30 ms.
        #expect(PerformanceDetector.detect(T.transaction, spans: Self.dashboard(independentMS: 30)).isEmpty)
        // 20 + 3 × 35 = 125 ms in all, max(35, 20) if run at once: saves 90 ms < 100.
        #expect(PerformanceDetector.detect(T.transaction, spans: Self.dashboard(independentMS: 35)).isEmpty)
        var settings = DetectorSettings()
        settings.consecutiveDBMinTimeSavedMS = 50
        #expect(PerformanceDetector.detect(T.transaction, spans: Self.dashboard(independentMS: 35), settings: settings).count == 1)
        // Queries with a WHERE or a parameter depend on what came before.
        var dependent = Self.dashboard()
        dependent[2] = T.span(3, "db", "SELECT * FROM categories WHERE shop = 'x'", start: 0.200, ms: 120)
        dependent[3] = T.span(4, "db", "SELECT * FROM orders LIMIT 10", start: 0.400, ms: 120)
        #expect(PerformanceDetector.detect(T.transaction, spans: dependent).first?.offendingSpanIDs == [1, 2, 3, 4])
        let allDependent = Self.dashboard().map { span -> SpanRecord in
            var s = span
            s.description += " WHERE a = %s"
            return s
        }
        #expect(PerformanceDetector.detect(T.transaction, spans: allDependent).isEmpty)
        // Queries that already overlap ran in parallel: no run of two.
        let overlapping = [T.span(1, "db", "SELECT * FROM a", start: 0, ms: 200), T.span(2, "db", "SELECT * FROM b", start: 0.1, ms: 200)]
        #expect(PerformanceDetector.detect(T.transaction, spans: overlapping).isEmpty)
        // PHP and GraphQL endpoints are left alone, as in Sentry.
        #expect(PerformanceDetector.detect(T.transaction, spans: Self.dashboard(), context: DetectionContext(platform: "php")).isEmpty)
        var graphql = T.transaction
        graphql.name = "/graphql"
        #expect(PerformanceDetector.detect(graphql, spans: Self.dashboard()).isEmpty)
    }

    static func asset(_ id: UInt64, _ url: String, op: String = "resource.script", encoded: Int, decoded: Int, transferred: Int,
                      ms: Double = 800) -> SpanRecord {
        var span = T.span(id, op, url, start: 0.1, ms: ms)
        span.httpResponseContentLength = encoded
        span.httpDecodedContentLength = decoded
        span.httpTransferSize = transferred
        return span
    }

    @Test func uncompressedAssets() throws {
        let chrome = DetectionContext(browserName: "Chrome")
        let spans = [
            Self.asset(1, "https://cdn.example.com/app.js?v=3", encoded: 900_000, decoded: 900_000, transferred: 900_300),
            Self.asset(2, "https://cdn.example.com/vendor.js", encoded: 200_000, decoded: 700_000, transferred: 200_300),
            Self.asset(3, "https://cdn.example.com/theme.css", op: "resource.css", encoded: 600_000, decoded: 600_000,
                       transferred: 600_300),
        ]
        let problems = PerformanceDetector.detect(T.transaction, spans: spans, context: chrome)
        // app.js ends in a query, so (as in Sentry) only the stylesheet counts.
        let found = try #require(problems.first)
        #expect(problems.map(\.kind) == [.uncompressedAsset] && found.fingerprint.hasPrefix("1-1012-"))
        #expect(found.description == "https://cdn.example.com/theme.css" && found.offendingSpanIDs == [3])
        // Not in a browser that reports sizes; nothing compressed in the page; from the cache; small; fast.
        #expect(PerformanceDetector.detect(T.transaction, spans: spans).isEmpty)
        #expect(PerformanceDetector.detect(T.transaction, spans: [spans[2]], context: chrome).isEmpty)
        let cached = Self.asset(3, "https://cdn.example.com/theme.css", op: "resource.css", encoded: 600_000, decoded: 600_000,
                                transferred: 300)
        #expect(PerformanceDetector.detect(T.transaction, spans: [spans[1], cached], context: chrome).isEmpty)
        let small = Self.asset(3, "https://cdn.example.com/theme.css", op: "resource.css", encoded: 500_000, decoded: 500_000,
                               transferred: 500_300)
        #expect(PerformanceDetector.detect(T.transaction, spans: [spans[1], small], context: chrome).isEmpty)
        let fast = Self.asset(3, "https://cdn.example.com/theme.css", op: "resource.css", encoded: 600_000, decoded: 600_000,
                              transferred: 600_300, ms: 300)
        #expect(PerformanceDetector.detect(T.transaction, spans: [spans[1], fast], context: chrome).isEmpty)
    }

    @Test func browserResourceSizesAreReadFromSpanData() throws {
        let document = try JSONDocument(bytes: Array("""
            {"type":"transaction","start_timestamp":1.0,"timestamp":2.0,"contexts":{"trace":{"span_id":"aaaaaaaaaaaaaaaa","trace_id":"0123456789abcdef0123456789abcdef"}},
             "spans":[{"span_id":"bbbbbbbbbbbbbbbb","parent_span_id":"aaaaaaaaaaaaaaaa","op":"resource.css","description":"/a.css",
                       "start_timestamp":1.0,"timestamp":1.5,"data":{"http.response_transfer_size":700300,
                       "http.response_content_length":700000,"http.decoded_response_content_length":700000}},
                      {"span_id":"cccccccccccccccc","op":"resource.script","description":"/b.js","start_timestamp":1.0,"timestamp":1.5,
                       "data":{"Transfer Size":-5,"Encoded Body Size":1e300,"Decoded Body Size":"x"}}]}
            """.utf8))
        let spans = TraceRecords.transaction(document.root, name: nil).spans
        #expect(spans[0].httpTransferSize == 700_300 && spans[0].httpResponseContentLength == 700_000
                && spans[0].httpDecodedContentLength == 700_000)
        #expect(spans[1].httpTransferSize == nil && spans[1].httpResponseContentLength == nil && spans[1].httpDecodedContentLength == nil,
                "out of range or not numbers: left out")
    }

    @Test func settingsUnderSentrysNamesAndRanges() throws {
        var settings = DetectorSettings()
        try settings.apply(JSONDocument(bytes: Array("""
            {"slow_db_query_duration_threshold": 1000, "consecutive_db_queries_detection_enabled": false,
             "large_http_payload_size_threshold": 500000, "noise_thresholds_enabled": true}
            """.utf8)).root)
        #expect(settings.slowDBQueryMinDurationMS == 1000 && settings.largePayloadMinBytes == 500_000)
        #expect(!settings.enabled.contains(.consecutiveDB) && settings.enabled.contains(.slowDBQuery))
        #expect(settings.sightingsBeforeIssue(.slowDBQuery) == 100 && settings.sightingsBeforeIssue(.nPlusOneAPI) == 1)
        #expect(DetectorSettings().sightingsBeforeIssue(.slowDBQuery) == 1, "off by default: an issue at the first sighting")
        #expect(PerformanceDetector.detect(T.transaction, spans: Self.dashboard(), settings: settings).isEmpty)

        func failure(_ body: String) -> DetectorSettings.UpdateError? {
            var s = DetectorSettings()
            do {
                try s.apply(try JSONDocument(bytes: Array(body.utf8)).root)
                return nil
            } catch let error as DetectorSettings.UpdateError {
                return error
            } catch {
                return nil
            }
        }
        #expect(failure(#"{"slow_db_query_duration_threshold": 99}"#) != nil)
        #expect(failure(#"{"slow_db_query_duration_threshold": "500"}"#) != nil)
        #expect(failure(#"{"large_http_payload_size_threshold": 100000.5}"#) != nil)
        #expect(failure(#"{"n_plus_one_db_queries_detection_enabled": 1}"#) != nil)
        #expect(failure(#"{"no_such_setting": 1}"#) == .unknown("no_such_setting"))
        #expect(failure(#"{"consecutive_db_min_time_saved_threshold": 5000}"#) == nil)

        let json = String(decoding: DetectorSettings().json.serialized, as: UTF8.self)
        #expect(json.contains(#""n_plus_one_db_duration_threshold":50"#) && json.contains(#""uncompressed_assets_detection_enabled":true"#),
                "\(json)")
    }
}
