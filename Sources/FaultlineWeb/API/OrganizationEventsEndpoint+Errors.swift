import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// Discover's table over error events (`query=event.type:error`, or `dataset=errors`): the same parameters and shape as
/// the transaction table, with the columns and functions of `ErrorQuery`.
extension OrganizationEventsEndpoint {
    func errorTable(_ request: HTTPRequest, _ organization: Organization) throws -> HTTPResponse {
        let query: ErrorQuery
        do {
            query = try ErrorQuery(fields: request.queryValues("field"), query: request.queryValue("query") ?? "",
                                   sort: request.queryValues("sort") + request.queryValues("orderby"))
        } catch {
            throw APIError.badRequest(error.description)
        }
        let range = try TimeRange.parse(request, defaultPeriod: 14 * 86_400)
        let projects = try self.projects(request, organization)
        let samples = try store.errorSamples(projectIDs: projects.map(\.id), since: range.start, until: range.end,
                                             environments: request.queryValues("environment").filter { !$0.isEmpty },
                                             limit: Self.maxSamples)
        let wantsLabels = query.filters.contains { $0.column == .title || $0.column == .issue } || query.text != nil
            || query.fields.contains { $0 == .column(.title) || $0 == .column(.issue) }
        let labels = wantsLabels ? try store.issueLabels(ids: Array(Set(samples.compactMap(\.issueID)))) : [:]
        let slugs = Dictionary(uniqueKeysWithValues: projects.map { ($0.id, $0.slug) })
        let rows = ErrorTable.rows(samples, query: query, window: range.seconds, projectSlug: { slugs[$0] ?? String($0) },
                                   issue: { labels[$0] })
        let limit = try Pagination.limit(request, default: 100)
        let offset = min(try Pagination.cursor(request).map { max(0, $0.id) } ?? 0, rows.count)
        let page = rows.dropFirst(offset).prefix(limit)
        let body = JSONValue.object([
            ("data", .array(page.map { row in
                .object(query.fields.map { field in (field.key, Self.json(row.values[field.key])) })
            })),
            ("meta", .object([
                ("fields", .object(query.fields.map { ($0.key, .string(Self.type(of: $0))) })),
                ("units", .object(query.fields.map { ($0.key, Self.unit(of: $0).map(JSONValue.string) ?? .null) })),
                ("isMetricsData", .bool(false)),
                ("dataset", .string("errors")),
                ("samplesCapped", .bool(samples.count == Self.maxSamples)),
            ])),
        ])
        var response = HTTPResponse.json(body)
        let next = offset + limit < rows.count ? PageCursor(value: 0, id: offset + limit) : nil
        let current = offset > 0 ? PageCursor(value: 0, id: offset) : nil
        response.headers.add("Link", Pagination.link(request, next: next, current: current))
        return response
    }

    static func type(of field: ErrorQuery.Field) -> String {
        switch field {
        case .column(.timestamp): "date"
        case .column: "string"
        case .aggregate(let f, _, _):
            switch f {
            case .count, .countUnique: "integer"
            case .epm, .eps: "rate"
            case .lastSeen, .firstSeen: "date"
            }
        }
    }

    static func unit(of field: ErrorQuery.Field) -> String? {
        guard case .aggregate(let f, _, _) = field else { return nil }
        switch f {
        case .epm: return "1/minute"
        case .eps: return "1/second"
        default: return nil
        }
    }
}
