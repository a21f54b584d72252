import Crypto
import Foundation
import SentryProtocol

/// Performance problems found in one transaction's spans, the way Sentry's detectors find them (thresholds are its
/// documented defaults, `DetectorSettings`), each with a fingerprint from the offending spans' normalized descriptions
/// and parent, and the evidence an issue page shows. Pure code over the extracted records.
public struct PerformanceProblem: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case nPlusOneDB = "performance_n_plus_one_db_queries"
        case nPlusOneAPI = "performance_n_plus_one_api_calls"
        case slowDBQuery = "performance_slow_db_query"
        case largeHTTPPayload = "performance_large_http_payload"
        case consecutiveDB = "performance_consecutive_db_queries"
        case uncompressedAsset = "performance_uncompressed_assets"
        /// Found over time, not in one transaction (`EndpointRegression`).
        case endpointRegression = "performance_p95_endpoint_regression"

        /// Sentry's group type ids (`GroupType.type_id`).
        public var typeID: Int {
            switch self {
            case .nPlusOneDB: 1006
            case .nPlusOneAPI: 1010
            case .slowDBQuery: 1001
            case .largeHTTPPayload: 1015
            case .consecutiveDB: 1007
            case .uncompressedAsset: 1012
            case .endpointRegression: 1018
            }
        }

        public var title: String {
            switch self {
            case .nPlusOneDB: "N+1 Query"
            case .nPlusOneAPI: "N+1 API Call"
            case .slowDBQuery: "Slow DB Query"
            case .largeHTTPPayload: "Large HTTP payload"
            case .consecutiveDB: "Consecutive DB Queries"
            case .uncompressedAsset: "Uncompressed Asset"
            case .endpointRegression: "Endpoint Regression"
            }
        }

        /// Sightings before an issue opens when a project turns Sentry's noise thresholds on (its hosted defaults).
        public var noiseThreshold: Int {
            switch self {
            case .nPlusOneDB, .largeHTTPPayload: 3
            case .nPlusOneAPI, .endpointRegression: 1
            case .slowDBQuery, .uncompressedAsset: 100
            case .consecutiveDB: 15
            }
        }
    }

    public var kind: Kind
    /// `1-<type id>-<16 hex>`, Sentry's form.
    public var fingerprint: String
    /// The span the repeats hang under (op and description), when the problem has one.
    public var parentOp: String?
    public var parentDescription: String?
    /// The query or call that repeats (or is slow, or large): its normalized description.
    public var description: String
    public var offendingSpanIDs: [UInt64]
    /// Sum of the offending spans' durations, in ms.
    public var totalDurationMS: Double
    /// Consecutive queries: the time running the independent ones in parallel would save, in ms.
    public var timeSavedMS: Double?
    /// Endpoint regressions: the p95 before and now, in ms, and the transactions each was measured over.
    public var baselineP95MS: Double?
    public var recentP95MS: Double?
    public var baselineCount: Int?
    public var recentCount: Int?

    public init(kind: Kind, fingerprint: String, parentOp: String? = nil, parentDescription: String? = nil, description: String,
                offendingSpanIDs: [UInt64] = [], totalDurationMS: Double = 0) {
        self.kind = kind
        self.fingerprint = fingerprint
        self.parentOp = parentOp
        self.parentDescription = parentDescription
        self.description = description
        self.offendingSpanIDs = offendingSpanIDs
        self.totalDurationMS = totalDurationMS
    }

    /// The grouping hash: 32 hex digits of MD5 over the fingerprint, like error issues' hashes.
    public var groupingHash: String {
        Insecure.MD5.hash(data: Array(fingerprint.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The evidence an issue page shows, as JSON: type, parent, the offending description, count, total time, spans.
    public func evidenceJSON(transaction: String) -> [UInt8] {
        let spans: [JSONValue] = offendingSpanIDs.prefix(100).map { id in
            let hex = String(id, radix: 16)
            return .string(String(repeating: "0", count: 16 - hex.count) + hex)
        }
        let parent: JSONValue = parentOp.map { .object([("op", .string($0)), ("description", .string(parentDescription ?? ""))]) } ?? .null
        return JSONValue.object([
            ("issueType", .string(kind.rawValue)), ("fingerprint", .string(fingerprint)), ("transaction", .string(transaction)),
            ("parent", parent), ("description", .string(description)), ("count", .int(offendingSpanIDs.count)),
            ("totalDurationMS", .double(totalDurationMS.isFinite ? totalDurationMS : 0)), ("offendingSpanIDs", .array(spans)),
            ("timeSavedMS", timeSavedMS.map { .double($0.isFinite ? $0 : 0) } ?? .null),
            ("baselineP95MS", baselineP95MS.map { .double($0.isFinite ? $0 : 0) } ?? .null),
            ("recentP95MS", recentP95MS.map { .double($0.isFinite ? $0 : 0) } ?? .null),
            ("baselineCount", baselineCount.map { .int($0) } ?? .null),
            ("recentCount", recentCount.map { .int($0) } ?? .null),
        ]).serialized
    }
}

/// What the detectors need to know about the event beyond its spans.
public struct DetectionContext: Sendable {
    /// The event's `platform` (consecutive-query detection leaves PHP alone, as Sentry does).
    public var platform: String?
    /// `contexts.browser.name`: asset detection applies to the browsers that report transfer sizes.
    public var browserName: String?

    public init(platform: String? = nil, browserName: String? = nil) {
        self.platform = platform
        self.browserName = browserName
    }
}

public enum PerformanceDetector {
    /// Browser transaction ops, where parallel API calls from a page are N+1 candidates (Sentry's list).
    static let frontendOps: Set<String> = ["navigation", "pageload", "ui.load", "ui.action"]

    /// Runs every enabled detector over one transaction's spans. The spans are sorted by start once and handled by
    /// position (a transaction has up to 2,000 of them and this runs for every transaction ingested).
    public static func detect(_ transaction: TransactionRecord, spans: [SpanRecord], settings: DetectorSettings = DetectorSettings(),
                              context: DetectionContext = DetectionContext()) -> [PerformanceProblem] {
        var problems: [PerformanceProblem] = []
        let order = spans.indices.sorted { spans[$0].start < spans[$1].start }
        func parent(of id: UInt64) -> (op: String, description: String) {
            if let span = spans.first(where: { $0.spanID == id }) { return (span.op, span.description) }
            return (transaction.op ?? "default", transaction.name)
        }
        let wantsAPI = settings.enabled.contains(.nPlusOneAPI) && frontendOps.contains(transaction.op ?? "")
        if settings.enabled.contains(.nPlusOneDB) || wantsAPI {
            var children: [UInt64: [Int]] = [:]
            for i in order { children[spans[i].parentSpanID ?? 0, default: []].append(i) }
            for parentID in children.keys.sorted() {
                guard let siblings = children[parentID], siblings.count >= min(settings.nPlusOneDBMinCount, settings.nPlusOneAPIMinCount)
                else { continue }
                if settings.enabled.contains(.nPlusOneDB) {
                    problems += nPlusOneDB(spans, siblings, parent: { parent(of: parentID) }, settings)
                }
                if wantsAPI { problems += nPlusOneAPI(spans, siblings, parent: { parent(of: parentID) }, settings) }
            }
        }
        let slow = settings.enabled.contains(.slowDBQuery)
        let large = settings.enabled.contains(.largeHTTPPayload)
        for i in order where (slow && spans[i].durationMS >= settings.slowDBQueryMinDurationMS)
            || (large && spans[i].httpResponseContentLength.map { $0 > settings.largePayloadMinBytes } == true) {
            let span = spans[i]
            if slow, span.durationMS >= settings.slowDBQueryMinDurationMS,
               SpanDescription.isDatabase(span.op), !span.truncated, SpanDescription.isSelect(span.description),
               !problems.contains(where: { $0.kind == .slowDBQuery && $0.description == span.description }) {
                problems.append(problem(.slowDBQuery, parts: [span.group], parent: nil, description: span.description,
                                        spans: [span]))
            }
            if large, let length = span.httpResponseContentLength,
               length > settings.largePayloadMinBytes, span.durationMS >= settings.largePayloadMinDurationMS,
               span.op.hasPrefix("http"), !isStaticFile(span.description),
               !problems.contains(where: { $0.kind == .largeHTTPPayload && $0.description == span.description }) {
                problems.append(problem(.largeHTTPPayload, parts: [span.description], parent: nil,
                                        description: span.description, spans: [span]))
            }
        }
        if settings.enabled.contains(.consecutiveDB), context.platform != "php", !contains(transaction.name, "graphql") {
            problems += consecutiveDB(spans, order, settings)
        }
        if settings.enabled.contains(.uncompressedAsset), isAssetBrowser(context.browserName) {
            problems += uncompressedAssets(spans, order, settings)
        }
        return problems
    }

    /// Runs of consecutive database siblings with one normalized query; any other span between them ends a run.
    static func nPlusOneDB(_ spans: [SpanRecord], _ siblings: [Int], parent: () -> (op: String, description: String),
                           _ settings: DetectorSettings) -> [PerformanceProblem] {
        var problems: [PerformanceProblem] = []
        var run: [Int] = []
        var source: Int?
        var previous: Int?
        func close() {
            defer { run = [] }
            guard run.count >= settings.nPlusOneDBMinCount, let first = run.first,
                  covered(run.map { spans[$0] }) >= settings.nPlusOneDBMinDurationMS else { return }
            let p = parent()
            problems.append(problem(.nPlusOneDB, parts: [p.op, p.description, source.map { spans[$0].group } ?? "", spans[first].group],
                                    parent: p, description: spans[first].description, spans: run.map { spans[$0] }))
        }
        for i in siblings {
            let isQuery = SpanDescription.isDatabase(spans[i].op) && !spans[i].truncated && !spans[i].description.isEmpty
            if isQuery, let last = run.last, spans[last].group == spans[i].group {
                run.append(i)
            } else {
                close()
                if isQuery {
                    source = previous.flatMap { SpanDescription.isDatabase(spans[$0].op) ? $0 : nil }
                    run = [i]
                }
            }
            previous = i
        }
        close()
        return problems
    }

    /// Calls to one parameterized URL started close together under one parent (a page fetching a list item by item).
    static func nPlusOneAPI(_ spans: [SpanRecord], _ siblings: [Int], parent: () -> (op: String, description: String),
                            _ settings: DetectorSettings) -> [PerformanceProblem] {
        var problems: [PerformanceProblem] = []
        var run: [Int] = []
        func close() {
            defer { run = [] }
            guard run.count >= settings.nPlusOneAPIMinCount, let first = run.first,
                  run.reduce(0, { $0 + spans[$1].durationMS }) >= settings.nPlusOneAPIMinDurationMS,
                  spans[first].description.contains("*") else { return }
            problems.append(problem(.nPlusOneAPI, parts: [spans[first].description], parent: parent(),
                                    description: spans[first].description, spans: run.map { spans[$0] }))
        }
        for i in siblings where spans[i].op == "http.client" && !isStaticFile(spans[i].description) {
            let span = spans[i]
            if let last = run.last, spans[last].description == span.description,
               (span.start - spans[last].start) * 1000 < settings.nPlusOneAPIMaxGapMS {
                run.append(i)
            } else {
                close()
                run = [i]
            }
        }
        close()
        return problems
    }

    static func problem(_ kind: PerformanceProblem.Kind, parts: [String], parent: (op: String, description: String)?,
                        description: String, spans: [SpanRecord]) -> PerformanceProblem {
        PerformanceProblem(kind: kind, fingerprint: "1-\(kind.typeID)-" + TraceRecords.group(op: kind.rawValue, description: parts.joined(separator: "\u{1F}")),
                           parentOp: parent?.op, parentDescription: parent?.description, description: description,
                           offendingSpanIDs: spans.map(\.spanID), totalDurationMS: spans.reduce(0) { $0 + $1.durationMS })
    }

    /// The time covered by the spans' intervals (overlaps counted once), in ms.
    static func covered(_ spans: [SpanRecord]) -> Double {
        var total = 0.0
        var reach = -Double.infinity
        for span in spans.sorted(by: { $0.start < $1.start }) {
            let end = span.start + span.durationMS / 1000
            if end > reach {
                total += end - max(span.start, reach)
                reach = end
            }
        }
        return total * 1000
    }

    /// A path ending in a file extension other than `.json` (assets are not API payloads).
    static func isStaticFile(_ description: String) -> Bool {
        var path = Substring(description)
        if let scheme = path.range(ofText: "://") {
            let rest = path[scheme.upperBound...]
            path = rest[(rest.firstIndex(of: "/") ?? rest.endIndex)...]
        }
        guard let lastSegment = path.split(separator: "/").last, let dot = lastSegment.lastIndex(of: ".") else { return false }
        let ext = lastSegment[lastSegment.index(after: dot)...].lowercased()
        return !ext.isEmpty && ext != "json" && ext.allSatisfy { $0.isLetter || $0.isNumber } && ext.count <= 5
    }
}
