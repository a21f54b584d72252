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
                                             columns: query.readColumns, limit: Self.maxSamples)
        let labels = try issueLabels(query, samples)
        let slugs = Dictionary(uniqueKeysWithValues: projects.map { ($0.id, $0.slug) })
        let rows = ErrorTable.rows(samples, query: query, window: range.seconds, projectSlug: { slugs[$0] ?? String($0) },
                                   issue: { labels[$0] })
        return try Self.tablePage(request, rows: rows, fields: query.fields.map { ($0.key, Self.type(of: $0), Self.unit(of: $0)) },
                                  dataset: "errors", capped: samples.count == Self.maxSamples)
    }

    /// `events-stats` over errors: `yAxis` among `count()`, `count_unique(…)`, `epm()`, `eps()`, per bucket, and the
    /// top groups with `topEvents`, in the shapes of the transaction series.
    func errorStats(_ request: HTTPRequest, _ organization: Organization, axes: [String], top: Int?,
                    columns: [String]) throws -> HTTPResponse {
        let query: ErrorQuery
        do {
            query = try ErrorQuery(fields: columns + axes, query: request.queryValue("query") ?? "",
                                   sort: request.queryValues("sort") + request.queryValues("orderby"))
        } catch {
            throw APIError.badRequest(error.description)
        }
        let numeric: Set<ErrorQuery.Function> = [.count, .countUnique, .epm, .eps]
        guard axes.allSatisfy({ axis in query.fields.contains { field in
            if case .aggregate(let f, _, let key) = field { return key == axis && numeric.contains(f) }
            return false
        } }) else {
            throw APIError.badRequest("'yAxis' must name functions that chart: count(), count_unique(user), epm() or eps().")
        }
        let range = try TimeRange.parse(request, defaultPeriod: 14 * 86_400)
        let step = Self.interval(request, range)
        let projects = try self.projects(request, organization)
        let samples = try store.errorSamples(projectIDs: projects.map(\.id), since: range.start, until: range.end,
                                             environments: request.queryValues("environment").filter { !$0.isEmpty },
                                             columns: query.readColumns, limit: Self.maxSamples)
        let labels = try issueLabels(query, samples)
        let slugs = Dictionary(uniqueKeysWithValues: projects.map { ($0.id, $0.slug) })
        let slug: (Int) -> String = { slugs[$0] ?? String($0) }
        let buckets = TransactionSeries.buckets(start: range.start, end: range.end, interval: step)
        let meta = Dictionary(query.fields.map { ($0.key, (type: Self.type(of: $0), unit: Self.unit(of: $0))) },
                              uniquingKeysWith: { first, _ in first })
        if let top {
            let groups = ErrorTable.top(samples, query: query, limit: top, excludeOther: request.queryValue("excludeOther") == "1",
                                        buckets: buckets, interval: step, window: range.seconds, projectSlug: slug,
                                        issue: { labels[$0] })
            return Self.seriesResponse(axes: axes, groups: groups, buckets: buckets, range: range, step: step, meta: meta)
        }
        let series = ErrorTable.series(samples, query: query, buckets: buckets, interval: step, projectSlug: slug,
                                       issue: { labels[$0] })
        return Self.seriesResponse(axes: axes, series: series, buckets: buckets, range: range, step: step, meta: meta)
    }

    /// The titles and short ids of the samples' issues, read only when the query uses them.
    private func issueLabels(_ query: ErrorQuery, _ samples: [ErrorSample]) throws -> [Int: ErrorIssueLabel] {
        guard query.needsIssueLabels else { return [:] }
        return try store.issueLabels(ids: Array(Set(samples.compactMap(\.issueID))))
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
