import EventProcessing
import FaultlineCore
import HTTPServer
import SentryProtocol

/// What a transaction summary shows besides Discover's table: the duration histogram
/// (`GET /organizations/{org}/events-histogram/`) and the spans that take the time
/// (`GET /organizations/{org}/events-spans-performance/`), both over the transactions `query` selects.
struct TransactionBreakdownEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator
    var events: OrganizationEventsEndpoint { OrganizationEventsEndpoint(store: store, auth: auth) }

    /// Transactions whose spans are read for the span view at most (the newest).
    static let maxSpanTransactions = 500

    /// `field=transaction.duration` (the one field measured), `numBuckets` (1–100), optional `min`/`max` in ms.
    /// Sentry's shape: `{"transaction.duration": [{"bin": 0, "count": 3}, …]}`.
    func histogram(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (samples, _) = try select(request, p, limit: OrganizationEventsEndpoint.maxSamples, withEventIDs: false)
        let fields = request.queryValues("field")
        guard !fields.isEmpty, fields.allSatisfy({ $0 == "transaction.duration" }) else {
            throw APIError.badRequest("'field' must be transaction.duration.")
        }
        guard let buckets = Int(request.queryValue("numBuckets") ?? ""), (1...DurationHistogram.maxBuckets).contains(buckets) else {
            throw APIError.badRequest("'numBuckets' must be 1 to 100.")
        }
        func bound(_ name: String) throws -> Double? {
            guard let text = request.queryValue(name), !text.isEmpty else { return nil }
            guard let v = Double(text), v.isFinite, v >= 0, v <= 1e12 else { throw APIError.badRequest("'\(name)' must be a number of ms.") }
            return v
        }
        let bins = DurationHistogram.bins(samples.map(\.durationMS), buckets: buckets, min: try bound("min"), max: try bound("max"))
        return HTTPResponse.json(.object([
            ("transaction.duration", .array(bins.map { .object([("bin", .double($0.bin)), ("count", .int($0.count))]) })),
        ]))
    }

    /// Suspect spans, most exclusive time first: `op`, `group`, `description`, `frequency`, `count`, `avgOccurrences`,
    /// `sumExclusiveTime`, `p50…p99ExclusiveTime`, `examples`; `per_page` (default 10, at most 100).
    func spansPerformance(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (samples, _) = try select(request, p, limit: OrganizationEventsEndpoint.maxSamples, withEventIDs: true)
        let limit = try Pagination.limit(request, default: 10)
        let chosen = Array(samples.filter { $0.spanBlock != nil }.prefix(Self.maxSpanTransactions))
        let blocks = try store.spanBlocks(ids: chosen.compactMap(\.spanBlock))
        let transactions = chosen.map { t in
            (eventID: t.eventID, spans: (blocks[t.spanBlock ?? -1] ?? []).filter { t.spanID == nil || $0.segmentID == t.spanID })
        }
        let ranked = SuspectSpans.rank(transactions).prefix(limit)
        return HTTPResponse.json(.array(ranked.map { s in
            .object([
                ("op", .string(s.op)), ("group", .string(s.group)), ("description", .string(s.description)),
                ("frequency", .double(s.frequency)), ("count", .int(s.count)), ("avgOccurrences", .double(s.avgOccurrences)),
                ("sumExclusiveTime", .double(s.sumExclusiveTime)), ("p50ExclusiveTime", .double(s.p50ExclusiveTime)),
                ("p75ExclusiveTime", .double(s.p75ExclusiveTime)), ("p95ExclusiveTime", .double(s.p95ExclusiveTime)),
                ("p99ExclusiveTime", .double(s.p99ExclusiveTime)),
                ("examples", .array(s.examples.map { .object([("id", .string($0.eventID.hex)), ("exclusiveTime", .double($0.exclusiveTime))]) })),
                ("transactionsLookedAt", .int(chosen.count)),
            ])
        }))
    }

    /// The transactions `query`, `project`, `environment` and the time range select, newest first.
    private func select(_ request: HTTPRequest, _ p: [String: String], limit: Int, withEventIDs: Bool) throws -> ([TransactionSample], DiscoverQuery) {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.requireAny(["event:read", "org:read"], of: token)
        let query: DiscoverQuery
        do {
            query = try DiscoverQuery(fields: ["count()"], query: request.queryValue("query") ?? "", sort: [])
        } catch {
            throw APIError.badRequest(error.description)
        }
        let range = try TimeRange.parse(request, defaultPeriod: 14 * 86_400)
        let projects = try events.projects(request, organization)
        var selection = TransactionSelection(projectIDs: projects.map(\.id), since: range.start, until: range.end, limit: limit)
        selection.environments = request.queryValues("environment").filter { !$0.isEmpty }
        selection.names = TransactionSelection.exactNames(query)
        selection.withEventIDs = withEventIDs
        let samples = try store.transactionSamples(selection)
        return (samples.filter { TransactionTable.matches($0, query) }, query)
    }
}
