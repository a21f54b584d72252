import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// `GET /api/0/organizations/{org}/events/`: Discover's table over transactions (over errors with
/// `event.type:error`: `OrganizationEventsEndpoint+Errors`), in Sentry's shape — `field` (columns
/// and functions, repeated), `query` (the search language), `sort`, `statsPeriod` or `start`/`end`, `project`,
/// `environment`, `per_page` with `Link` cursors. Rows are keyed by the field strings as requested; `meta` gives
/// each field's type and unit.
struct OrganizationEventsEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    /// Transactions read per query at most (newest first); a table built from fewer than all says so in `meta`.
    static let maxSamples = 200_000

    func table(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.requireAny(["event:read", "org:read"], of: token)
        let dataset = request.queryValue("dataset") ?? "transactions"
        guard ["transactions", "discover", "metricsEnhanced", "errors"].contains(dataset) else {
            throw APIError.badRequest("Unsupported dataset: transactions or errors (or discover with event.type:transaction or event.type:error).")
        }
        if ErrorQuery.asksForErrors(query: request.queryValue("query") ?? "", dataset: dataset) {
            return try errorTable(request, organization)
        }
        let query: DiscoverQuery
        do {
            query = try DiscoverQuery(fields: request.queryValues("field"), query: request.queryValue("query") ?? "",
                                      sort: request.queryValues("sort") + request.queryValues("orderby"))
        } catch {
            throw APIError.badRequest(error.description)
        }
        let range = try TimeRange.parse(request, defaultPeriod: 14 * 86_400)
        let projects = try self.projects(request, organization)
        let environments = request.queryValues("environment").filter { !$0.isEmpty }
        var selection = TransactionSelection(projectIDs: projects.map(\.id), since: range.start, until: range.end,
                                             limit: Self.maxSamples)
        selection.environments = environments
        selection.names = TransactionSelection.exactNames(query)
        selection.withEventIDs = query.fields.contains(.column(.id))
        selection.columns = query.readColumns
        let samples = try store.transactionSamples(selection)
        let slugs = Dictionary(uniqueKeysWithValues: projects.map { ($0.id, $0.slug) })
        let thresholds = try self.thresholds(projects)
        let rows = TransactionTable.rows(samples, query: query, window: range.seconds,
                                         threshold: { thresholds[$0] ?? TransactionTable.defaultThreshold },
                                         projectSlug: { slugs[$0] ?? String($0) })
        return try Self.tablePage(request, rows: rows, fields: query.fields.map { ($0.key, Self.type(of: $0), Self.unit(of: $0)) },
                                  dataset: "transactions", capped: samples.count == Self.maxSamples)
    }

    /// One page of a Discover table in Sentry's shape — rows keyed by the fields as requested, `meta` with each field's
    /// type and unit — and `Link` cursors, a cursor being an offset into the table (past its end: an empty page).
    static func tablePage(_ request: HTTPRequest, rows: [TransactionTable.Row], fields: [(key: String, type: String, unit: String?)],
                          dataset: String, capped: Bool) throws -> HTTPResponse {
        let limit = try Pagination.limit(request, default: 100)
        let offset = min(try Pagination.cursor(request).map { max(0, $0.id) } ?? 0, rows.count)
        let page = rows.dropFirst(offset).prefix(limit)
        let body = JSONValue.object([
            ("data", .array(page.map { row in .object(fields.map { field in (field.key, json(row.values[field.key])) }) })),
            ("meta", .object([
                ("fields", .object(fields.map { ($0.key, .string($0.type)) })),
                ("units", .object(fields.map { ($0.key, $0.unit.map(JSONValue.string) ?? .null) })),
                ("isMetricsData", .bool(false)),
                ("dataset", .string(dataset)),
                ("samplesCapped", .bool(capped)),
            ])),
        ])
        var response = HTTPResponse.json(body)
        let next = offset + limit < rows.count ? PageCursor(value: 0, id: offset + limit) : nil
        let current = offset > 0 ? PageCursor(value: 0, id: offset) : nil
        response.headers.add("Link", Pagination.link(request, next: next, current: current))
        return response
    }

    /// `GET /api/0/organizations/{org}/events-stats/`: `yAxis` (repeated, default `count()`) per `interval` bucket over
    /// the range, with `query`, `project`, `environment`; `topEvents=N` with `field` (the columns to group by) and
    /// `sort` gives the top N groups' series, and `Other` unless `excludeOther=1`. Sentry's shapes: one axis is
    /// `{"data": [[time, [{"count": v}]], …], "start", "end"}`, several are keyed by axis, top groups by their key.
    func stats(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.requireAny(["event:read", "org:read"], of: token)
        let axes = request.queryValues("yAxis").isEmpty ? ["count()"] : request.queryValues("yAxis")
        guard axes.count <= 10 else { throw APIError.badRequest("At most 10 yAxis.") }
        let topText = request.queryValue("topEvents")
        let top = try topText.map { text throws -> Int in
            guard let n = Int(text), (1...10).contains(n) else { throw APIError.badRequest("'topEvents' must be 1 to 10.") }
            return n
        }
        let columns = top == nil ? [] : request.queryValues("field").filter { !$0.contains("(") }
        if top != nil && columns.isEmpty { throw APIError.badRequest("'topEvents' needs 'field' columns to group by.") }
        if ErrorQuery.asksForErrors(query: request.queryValue("query") ?? "", dataset: request.queryValue("dataset")) {
            return try errorStats(request, organization, axes: axes, top: top, columns: columns)
        }
        let query: DiscoverQuery
        do {
            query = try DiscoverQuery(fields: columns + axes, query: request.queryValue("query") ?? "",
                                      sort: request.queryValues("sort") + request.queryValues("orderby"))
        } catch {
            throw APIError.badRequest(error.description)
        }
        guard axes.allSatisfy({ axis in query.fields.contains { $0.key == axis && !Self.isColumn($0) } }) else {
            throw APIError.badRequest("'yAxis' must name functions, like count() or p95().")
        }
        let range = try TimeRange.parse(request, defaultPeriod: 14 * 86_400)
        let step = Self.interval(request, range)
        let projects = try self.projects(request, organization)
        var selection = TransactionSelection(projectIDs: projects.map(\.id), since: range.start, until: range.end,
                                             limit: Self.maxSamples)
        selection.environments = request.queryValues("environment").filter { !$0.isEmpty }
        selection.names = TransactionSelection.exactNames(query)
        selection.columns = query.readColumns
        let samples = try store.transactionSamples(selection)
        let buckets = TransactionSeries.buckets(start: range.start, end: range.end, interval: step)
        let meta = Dictionary(query.fields.map { ($0.key, (type: Self.type(of: $0), unit: Self.unit(of: $0))) },
                              uniquingKeysWith: { first, _ in first })
        let slugs = Dictionary(uniqueKeysWithValues: projects.map { ($0.id, $0.slug) })
        let thresholds = try self.thresholds(projects)
        let threshold: (Int) -> Double = { thresholds[$0] ?? TransactionTable.defaultThreshold }
        if let top {
            let groups = TransactionSeries.top(samples, query: query, limit: top,
                                               excludeOther: request.queryValue("excludeOther") == "1",
                                               buckets: buckets, interval: step, window: range.seconds,
                                               threshold: threshold, projectSlug: { slugs[$0] ?? String($0) })
            return Self.seriesResponse(axes: axes, groups: groups, buckets: buckets, range: range, step: step, meta: meta)
        }
        let series = TransactionSeries.series(samples, query: query, buckets: buckets, interval: step, threshold: threshold)
        return Self.seriesResponse(axes: axes, series: series, buckets: buckets, range: range, step: step, meta: meta)
    }

    /// Sentry's `events-stats` shapes: one axis is `{"data": [[time, [{"count": v}]], …], "start", "end", "meta"}`,
    /// several are keyed by axis (each with its `order`); top groups (`groups`) are keyed by their key, each holding
    /// its one series or its axes.
    static func seriesResponse(axes: [String], series: TransactionSeries.Series? = nil, groups: [TransactionSeries.Group]? = nil,
                               buckets: [Double], range: TimeRange, step: Double,
                               meta: [String: (type: String, unit: String?)]) -> HTTPResponse {
        let end = (buckets.last ?? range.start) + step
        func serialize(_ series: TransactionSeries.Series, axis: String, order: Int?) -> JSONValue {
            var fields: [(key: String, value: JSONValue)] = [
                ("data", .array(zip(series.buckets, series.values[axis] ?? []).map { t, v in
                    .array([.int(Int(clamping: t)), .array([.object([("count", .double(v))])])])
                })),
                ("start", .int(Int(clamping: buckets.first ?? range.start))),
                ("end", .int(Int(clamping: end))),
                ("isMetricsData", .bool(false)),
            ]
            if let m = meta[axis] {
                fields.append(("meta", .object([
                    ("fields", .object([(axis, .string(m.type))])),
                    ("units", .object([(axis, m.unit.map(JSONValue.string) ?? .null)])),
                ])))
            }
            if let order { fields.append(("order", .int(order))) }
            return .object(fields)
        }
        if let groups {
            return HTTPResponse.json(.object(groups.enumerated().map { i, group in
                if axes.count == 1 { return (group.key, serialize(group.series, axis: axes[0], order: i)) }
                return (group.key, .object(axes.enumerated().map { j, axis in (axis, serialize(group.series, axis: axis, order: j)) }
                                            + [("order", .int(i))]))
            }))
        }
        guard let series else { return HTTPResponse.json(.object([])) }
        if axes.count == 1 { return HTTPResponse.json(serialize(series, axis: axes[0], order: nil)) }
        return HTTPResponse.json(.object(axes.enumerated().map { i, axis in (axis, serialize(series, axis: axis, order: i)) }))
    }

    /// The `interval` asked for, or (none, or more than `TransactionSeries.maxBuckets` buckets) one Sentry would derive:
    /// about a hundred points over the range.
    static func interval(_ request: HTTPRequest, _ range: TimeRange) -> Double {
        let asked = (try? request.queryValue("interval").map { try TimeRange.duration($0, name: "interval") }) ?? nil
        if let asked, range.seconds / asked <= Double(TransactionSeries.maxBuckets) { return asked }
        return [60.0, 300, 900, 3600, 4 * 3600, 86_400].first { range.seconds / $0 <= 200 } ?? 86_400
    }

    private static func isColumn(_ field: DiscoverQuery.Field) -> Bool {
        if case .column = field { return true }
        return false
    }

    /// The projects asked for (`project=ID`, repeated; `-1` or none: all of the organization's).
    /// The apdex / misery threshold (ms) of each project that set one (`transaction-threshold/configure/`).
    func thresholds(_ projects: [Project]) throws -> [Int: Double] {
        var out: [Int: Double] = [:]
        for project in projects {
            let text = try store.projectOptions(projectID: project.id)[ProjectConfig.Option.transactionThreshold]
            if let t = TransactionThreshold(stored: text) { out[project.id] = Double(t.threshold) }
        }
        return out
    }

    func projects(_ request: HTTPRequest, _ organization: Organization) throws -> [Project] {
        let all = try store.projects(organizationSlug: organization.slug)
        let wanted = request.queryValues("project").filter { $0 != "-1" && !$0.isEmpty }
        guard !wanted.isEmpty else { return all }
        let ids = Set(wanted.compactMap(Int.init))
        guard ids.count == wanted.count, ids.isSubset(of: Set(all.map(\.id))) else {
            throw APIError.forbidden("You do not have access to one of the projects named.")
        }
        return all.filter { ids.contains($0.id) }
    }

    static func json(_ value: TransactionTable.Value?) -> JSONValue {
        switch value {
        case .string(let s)?: s.map(JSONValue.string) ?? .null
        case .number(let d)?: d.map(JSONValue.double) ?? .null
        case .integer(let i)?: .int(i)
        case nil: .null
        }
    }

    /// Sentry's `meta.fields` types.
    static func type(of field: DiscoverQuery.Field) -> String {
        switch field {
        case .column(.duration): "duration"
        case .column(.timestamp): "date"
        case .column: "string"
        case .aggregate(let f, _, _):
            switch f {
            case .count, .countUnique, .countMiserable: "integer"
            case .epm, .tpm, .eps, .tps: "rate"
            case .failureRate: "percentage"
            case .apdex, .userMisery: "number"
            default: "duration"
            }
        }
    }

    /// Sentry's `meta.units`: milliseconds for durations, `1/minute` and `1/second` for rates.
    static func unit(of field: DiscoverQuery.Field) -> String? {
        switch type(of: field) {
        case "duration": "millisecond"
        case "rate":
            if case .aggregate(let f, _, _) = field, f == .eps || f == .tps { "1/second" } else { "1/minute" }
        default: nil
        }
    }
}
