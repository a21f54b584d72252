import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// `GET /api/0/organizations/{org}/events/`: Discover's table over transactions, in Sentry's shape — `field` (columns
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
        guard ["transactions", "discover", "metricsEnhanced"].contains(dataset) else {
            throw APIError.badRequest("Unsupported dataset: transactions (or discover with event.type:transaction).")
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
        let samples = try store.transactionSamples(projectIDs: projects.map(\.id), since: range.start, until: range.end,
                                                   environments: environments, limit: Self.maxSamples)
        let slugs = Dictionary(uniqueKeysWithValues: projects.map { ($0.id, $0.slug) })
        let rows = TransactionTable.rows(samples, query: query, window: range.seconds, projectSlug: { slugs[$0] ?? String($0) })
        let limit = try Pagination.limit(request, default: 100)
        let offset = try Pagination.cursor(request).map { max(0, $0.id) } ?? 0
        let page = rows.dropFirst(offset).prefix(limit)
        let body = JSONValue.object([
            ("data", .array(page.map { row in
                .object(query.fields.map { field in (field.key, Self.json(row.values[field.key])) })
            })),
            ("meta", .object([
                ("fields", .object(query.fields.map { ($0.key, .string(Self.type(of: $0))) })),
                ("units", .object(query.fields.map { ($0.key, Self.unit(of: $0).map(JSONValue.string) ?? .null) })),
                ("isMetricsData", .bool(false)),
                ("dataset", .string("transactions")),
                ("samplesCapped", .bool(samples.count == Self.maxSamples)),
            ])),
        ])
        var response = HTTPResponse.json(body)
        let next = offset + limit < rows.count ? PageCursor(value: 0, id: offset + limit) : nil
        let current = offset > 0 ? PageCursor(value: 0, id: offset) : nil
        response.headers.add("Link", Pagination.link(request, next: next, current: current))
        return response
    }

    /// The projects asked for (`project=ID`, repeated; `-1` or none: all of the organization's).
    private func projects(_ request: HTTPRequest, _ organization: Organization) throws -> [Project] {
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
