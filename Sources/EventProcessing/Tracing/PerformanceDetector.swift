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

        /// Sentry's group type ids (`GroupType.type_id`).
        public var typeID: Int {
            switch self {
            case .nPlusOneDB: 1006
            case .nPlusOneAPI: 1010
            case .slowDBQuery: 1001
            case .largeHTTPPayload: 1015
            }
        }

        public var title: String {
            switch self {
            case .nPlusOneDB: "N+1 Query"
            case .nPlusOneAPI: "N+1 API Call"
            case .slowDBQuery: "Slow DB Query"
            case .largeHTTPPayload: "Large HTTP payload"
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
        ]).serialized
    }
}

public struct DetectorSettings: Sendable, Equatable {
    /// N+1 DB: repeats, and their summed duration (Sentry: 5 and 50 ms).
    public var nPlusOneDBMinCount = 5
    public var nPlusOneDBMinDurationMS = 50.0
    /// N+1 API (browser transactions): repeats, their summed duration, and the most time between two starts.
    public var nPlusOneAPIMinCount = 5
    public var nPlusOneAPIMinDurationMS = 300.0
    public var nPlusOneAPIMaxGapMS = 15.0
    /// Slow DB query: a SELECT at least this long (Sentry: 500 ms).
    public var slowDBQueryMinDurationMS = 500.0
    /// Large HTTP payload: responses over this many bytes, on spans at least this long (Sentry: 300,000 B, 100 ms).
    public var largePayloadMinBytes = 300_000
    public var largePayloadMinDurationMS = 100.0
    public var enabled: Set<PerformanceProblem.Kind> = Set(PerformanceProblem.Kind.allCases)

    public init() {}
}

public enum PerformanceDetector {
    /// Browser transaction ops, where parallel API calls from a page are N+1 candidates (Sentry's list).
    static let frontendOps: Set<String> = ["navigation", "pageload", "ui.load", "ui.action"]

    public static func detect(_ transaction: TransactionRecord, spans: [SpanRecord], settings: DetectorSettings = DetectorSettings())
        -> [PerformanceProblem] {
        var problems: [PerformanceProblem] = []
        var children: [UInt64: [SpanRecord]] = [:]
        for span in spans { children[span.parentSpanID ?? 0, default: []].append(span) }
        let byID = Dictionary(spans.map { ($0.spanID, $0) }, uniquingKeysWith: { first, _ in first })
        func parent(of id: UInt64) -> (op: String, description: String) {
            if let span = byID[id] { return (span.op, span.description) }
            return (transaction.op ?? "default", transaction.name)
        }
        for (parentID, siblings) in children.sorted(by: { $0.key < $1.key }) {
            let ordered = siblings.sorted { $0.start < $1.start }
            if settings.enabled.contains(.nPlusOneDB) {
                problems += nPlusOneDB(ordered, parent: parent(of: parentID), settings)
            }
            if settings.enabled.contains(.nPlusOneAPI), frontendOps.contains(transaction.op ?? "") {
                problems += nPlusOneAPI(ordered, parent: parent(of: parentID), settings)
            }
        }
        for span in spans.sorted(by: { $0.start < $1.start }) {
            if settings.enabled.contains(.slowDBQuery), SpanDescription.isDatabase(span.op), !span.truncated,
               span.description.prefix(6).uppercased() == "SELECT", span.durationMS >= settings.slowDBQueryMinDurationMS,
               !problems.contains(where: { $0.kind == .slowDBQuery && $0.description == span.description }) {
                problems.append(problem(.slowDBQuery, parts: [span.group], parent: nil, description: span.description,
                                        spans: [span]))
            }
            if settings.enabled.contains(.largeHTTPPayload), span.op.hasPrefix("http"),
               let length = span.httpResponseContentLength, length > settings.largePayloadMinBytes,
               span.durationMS >= settings.largePayloadMinDurationMS, !isStaticFile(span.description),
               !problems.contains(where: { $0.kind == .largeHTTPPayload && $0.description == span.description }) {
                problems.append(problem(.largeHTTPPayload, parts: [span.description], parent: nil,
                                        description: span.description, spans: [span]))
            }
        }
        return problems
    }

    /// Runs of consecutive database siblings with one normalized query; any other span between them ends a run.
    static func nPlusOneDB(_ siblings: [SpanRecord], parent: (op: String, description: String),
                           _ settings: DetectorSettings) -> [PerformanceProblem] {
        var problems: [PerformanceProblem] = []
        var run: [SpanRecord] = []
        var source: SpanRecord?
        var previous: SpanRecord?
        func close() {
            defer { run = [] }
            guard run.count >= settings.nPlusOneDBMinCount, let first = run.first,
                  covered(run) >= settings.nPlusOneDBMinDurationMS else { return }
            problems.append(problem(.nPlusOneDB, parts: [parent.op, parent.description, source?.group ?? "", first.group],
                                    parent: parent, description: first.description, spans: run))
        }
        for span in siblings {
            let isQuery = SpanDescription.isDatabase(span.op) && !span.truncated && !span.description.isEmpty
            if isQuery, let last = run.last, last.group == span.group {
                run.append(span)
            } else {
                close()
                if isQuery {
                    source = previous.flatMap { SpanDescription.isDatabase($0.op) ? $0 : nil }
                    run = [span]
                }
            }
            previous = span
        }
        close()
        return problems
    }

    /// Calls to one parameterized URL started close together under one parent (a page fetching a list item by item).
    static func nPlusOneAPI(_ siblings: [SpanRecord], parent: (op: String, description: String),
                            _ settings: DetectorSettings) -> [PerformanceProblem] {
        var problems: [PerformanceProblem] = []
        var run: [SpanRecord] = []
        func close() {
            defer { run = [] }
            guard run.count >= settings.nPlusOneAPIMinCount, let first = run.first,
                  run.reduce(0, { $0 + $1.durationMS }) >= settings.nPlusOneAPIMinDurationMS,
                  first.description.contains("*") else { return }
            problems.append(problem(.nPlusOneAPI, parts: [first.description], parent: parent, description: first.description,
                                    spans: run))
        }
        for span in siblings where span.op == "http.client" && !isStaticFile(span.description) {
            if let last = run.last, last.description == span.description,
               (span.start - last.start) * 1000 < settings.nPlusOneAPIMaxGapMS {
                run.append(span)
            } else {
                close()
                run = [span]
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
