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
        let events = try store.traceIssueEvents(projectIDs: projects.map(\.id), traceID: traceID, limit: Self.maxIssueEvents)
        let placement = TraceIssuePlacement(transactions: found.transactions, spans: found.spans, events: events)
        let context = Context(slugs: slugs, placement: placement)
        return HTTPResponse.json(.object([
            ("transactions", .array(tree.roots.map { Self.node($0, context) })),
            ("orphan_errors", .array(placement.orphanErrors.map { Self.issueEvent($0, generation: nil, context) })),
        ]))
    }

    /// `GET …/events-trace-light/{trace_id}/?event_id=`: Sentry's light variant — a flat list of the transaction the
    /// event is (or happened in), its parent and its direct children, each without its nested `children`.
    func light(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.requireAny(["event:read", "org:read"], of: token)
        guard let traceID = (p["trace_id"]).flatMap({ $0.utf8.count == 32 ? EventID($0) : nil }) else {
            throw APIError.notFound("The requested resource does not exist.")
        }
        guard let eventID = request.queryValue("event_id").flatMap({ $0.utf8.count == 32 ? EventID($0) : nil }) else {
            throw APIError.badRequest("Need an event_id: 32 hex digits.")
        }
        let projects = try store.projects(organizationSlug: organization.slug)
        let slugs = Dictionary(uniqueKeysWithValues: projects.map { ($0.id, $0.slug) })
        let found = try store.trace(projectIDs: projects.map(\.id), traceID: traceID, limit: Self.maxTransactions)
        let events = try store.traceIssueEvents(projectIDs: projects.map(\.id), traceID: traceID, limit: Self.maxIssueEvents)
        let placement = TraceIssuePlacement(transactions: found.transactions, spans: found.spans, events: events)
        let context = Context(slugs: slugs, placement: placement)
        let tree = TraceTree(transactions: found.transactions, spans: found.spans)
        // The transaction that is the event, or that holds the error or problem with this id.
        func holds(_ n: TraceTree.Node) -> Bool {
            n.transaction.eventID == eventID
                || (placement.errors[n.index] ?? []).contains { $0.eventID == eventID }
                || (placement.performanceIssues[n.index] ?? []).contains { $0.eventID == eventID }
        }
        var path: [TraceTree.Node] = []
        func find(_ nodes: [TraceTree.Node], parents: [TraceTree.Node]) -> Bool {
            for n in nodes {
                if holds(n) { path = parents + [n]; return true }
                if find(n.children, parents: parents + [n]) { return true }
            }
            return false
        }
        var flat: [JSONValue] = []
        if find(tree.roots, parents: []), let current = path.last {
            var nodes: [TraceTree.Node] = []
            if path.count > 1 { nodes.append(path[path.count - 2]) }
            nodes.append(current)
            nodes += current.children
            flat = nodes.map { n in
                var bare = n
                bare.children = []
                return Self.node(bare, context)
            }
        }
        return HTTPResponse.json(.array(flat))
    }

    /// Errors and performance occurrences read per trace at most.
    static let maxIssueEvents = 1000

    struct Context {
        var slugs: [Int: String]
        var placement: TraceIssuePlacement
    }

    /// An error or performance occurrence in Sentry's trace shape (`event_id`, `issue_id`, `issue` short id, `span`,
    /// `title`, `level`, `timestamp`, `generation`, `event_type`).
    static func issueEvent(_ e: TraceIssueEvent, generation: Int?, _ context: Context) -> JSONValue {
        let slug = context.slugs[e.projectID] ?? ""
        var fields: [(key: String, value: JSONValue)] = [
            ("event_id", .string(e.eventID.hex)),
            ("issue_id", e.issueID.map(JSONValue.int) ?? .null),
            ("issue", e.shortNumber.map { .string("\(slug.uppercased())-\(String($0, radix: 36).uppercased())") } ?? .null),
            ("span", e.spanID.map { .string(hex($0)) } ?? .null),
            ("project_id", .int(e.projectID)),
            ("project_slug", .string(slug)),
            ("title", .string(e.title)),
            ("culprit", .string(e.culprit)),
            ("level", .string(e.level)),
            ("timestamp", .double(e.timestamp)),
            ("generation", generation.map(JSONValue.int) ?? .null),
            ("event_type", .string(e.isPerformance ? "transaction" : "error")),
        ]
        if e.isPerformance {
            fields.append(("type", .string(e.issueType)))
            fields.append(("suspect_spans", .array(e.spanID.map { [.string(hex($0))] } ?? [])))
        }
        return .object(fields)
    }

    static func node(_ n: TraceTree.Node, _ context: Context) -> JSONValue {
        let slugs = context.slugs
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
            ("errors", .array((context.placement.errors[n.index] ?? []).map { issueEvent($0, generation: n.generation, context) })),
            ("performance_issues", .array((context.placement.performanceIssues[n.index] ?? []).map {
                issueEvent($0, generation: n.generation, context)
            })),
            ("spans", .array(n.spans.map(span))),
            ("children", .array(n.children.map { node($0, context) })),
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
