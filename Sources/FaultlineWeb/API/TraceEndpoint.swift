import EventProcessing
import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// `GET /api/0/organizations/{org}/events-trace/{trace_id}/`: Sentry's (legacy) trace view shape — root transactions
/// with their `children`, each node's `generation`, `parent_event_id`, duration and op, `errors` and
/// `performance_issues` — plus each transaction's `spans` (Faultline's addition: the waterfall needs them).
struct TraceEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    /// Transactions read per trace at most (Sentry's `limit` default is 100, its maximum 2,000).
    static let maxTransactions = 2000

    func trace(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.requireAny(["event:read", "org:read"], of: token)
        guard let traceID = (p["trace_id"]).flatMap({ $0.utf8.count == 32 ? EventID($0) : nil }) else {
            throw APIError.notFound("The requested resource does not exist.")
        }
        let limit = min(Self.maxTransactions, max(1, Int(request.queryValue("limit") ?? "") ?? 100))
        let projects = try store.projects(organizationSlug: organization.slug)
        let slugs = Dictionary(uniqueKeysWithValues: projects.map { ($0.id, $0.slug) })
        let found = try store.trace(projectIDs: projects.map(\.id), traceID: traceID, limit: limit)
        let tree = TraceTree(transactions: found.transactions, spans: found.spans)
        return HTTPResponse.json(.object([
            ("transactions", .array(tree.roots.map { Self.node($0, slugs) })),
            ("orphan_errors", .array([])),
        ]))
    }

    static func node(_ n: TraceTree.Node, _ slugs: [Int: String]) -> JSONValue {
        let t = n.transaction
        return .object([
            ("event_id", t.eventID.map { .string($0.hex) } ?? .null),
            ("span_id", t.spanID.map { .string(hex($0)) } ?? .null),
            ("parent_span_id", t.parentSpanID.map { .string(hex($0)) } ?? .null),
            ("parent_event_id", n.parentEventID.map { .string($0.hex) } ?? .null),
            ("transaction", .string(t.name)),
            ("transaction.duration", .double(t.durationMS)),
            ("transaction.op", t.op.map(JSONValue.string) ?? .null),
            ("transaction.status", t.status.map(JSONValue.string) ?? .null),
            ("project_id", .int(t.projectID)),
            ("project_slug", .string(slugs[t.projectID] ?? "")),
            ("start_timestamp", .double(t.start)),
            ("timestamp", .double(t.end)),
            ("generation", .int(n.generation)),
            ("errors", .array([])),
            ("performance_issues", .array([])),
            ("spans", .array(n.spans.map(span))),
            ("children", .array(n.children.map { node($0, slugs) })),
        ])
    }

    static func span(_ s: SpanRecord) -> JSONValue {
        var data: [(key: String, value: JSONValue)] = []
        if let db = s.dbSystem { data.append(("db.system", .string(db))) }
        if let code = s.httpStatusCode { data.append(("http.response.status_code", .int(code))) }
        if let length = s.httpResponseContentLength { data.append(("http.response_content_length", .int(length))) }
        return .object([
            ("span_id", .string(hex(s.spanID))),
            ("parent_span_id", s.parentSpanID.map { .string(hex($0)) } ?? .null),
            ("op", .string(s.op)),
            ("description", .string(s.description)),
            ("group", .string(s.group)),
            ("start_timestamp", .double(s.start)),
            ("timestamp", .double(s.start + s.durationMS / 1000)),
            ("duration", .double(s.durationMS)),
            ("exclusive_time", .double(s.selfTimeMS)),
            ("status", s.status.map(JSONValue.string) ?? .null),
            ("data", .object(data)),
        ])
    }

    static func hex(_ id: UInt64) -> String {
        let text = String(id, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
