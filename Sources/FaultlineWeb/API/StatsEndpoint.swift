import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// What was received, accepted and dropped, from the outcome counts (Relay's outcomes, kept per hour): Sentry's
/// project stats (`GET /api/0/projects/{org}/{project}/stats/`) and organization `stats_v2`.
struct StatsEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    /// `stat=received|rejected|blacklisted|accepted`, `resolution=1h|1d`, `since`/`until` (Unix seconds): Sentry's
    /// `[[bucket start, count], …]` over error events (`received` counts every outcome, `rejected` rate limits and
    /// invalid input, `blacklisted` filtered events).
    func project(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "project:read")
        let stat = request.queryValue("stat") ?? "received"
        let kept: (String) -> Bool
        switch stat {
        case "received": kept = { _ in true }
        case "accepted": kept = { $0 == "accepted" }
        case "rejected": kept = { $0 == "rate_limited" || $0 == "invalid" }
        case "blacklisted": kept = { $0 == "filtered" }
        default: throw APIError.badRequest("Invalid stat: use received, accepted, rejected or blacklisted.")
        }
        let resolution = request.queryValue("resolution") ?? "1h"
        guard let step = ["1h": 3600.0, "1d": 86_400.0][resolution] else {
            throw APIError.badRequest("Invalid resolution: use 1h or 1d.")
        }
        let now = Date().timeIntervalSince1970
        let until = try seconds(request, "until") ?? now
        let since = try seconds(request, "since") ?? until - (step == 3600 ? 86_400 : 30 * 86_400)
        guard since <= until, until - since <= 400 * 86_400 else {
            throw APIError.badRequest("'since' must be before 'until', at most 400 days apart.")
        }
        let start = (since / step).rounded(.down) * step
        let buckets = Int(((until - start) / step).rounded(.down)) + 1
        var counts = [Int](repeating: 0, count: buckets)
        for o in try store.outcomes(projectIDs: [project.id], since: start, until: until + 1)
        where (o.category == "error" || o.category == "default") && kept(o.outcome) {
            let i = Int(clamping: (o.timestamp - start) / step)
            if counts.indices.contains(i) { counts[i].saturatingAdd(o.quantity) }
        }
        return HTTPResponse.json(.array(counts.enumerated().map { i, n in .array([.int(Int(start) + i * Int(step)), .int(n)]) }))
    }

    /// `field=sum(quantity)`, `groupBy=outcome|category|project|reason` (repeated), `interval` (`1h`, `6h`, `1d`, …),
    /// `statsPeriod` (`24h`, `14d`, …) or `start`/`end`, and filters `project=ID`, `category=`, `outcome=`.
    func organization(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.requireAny(["org:read", "project:read"], of: token)
        let fields = request.queryValues("field")
        guard !fields.isEmpty else { throw APIError.badRequest("'field' is required: sum(quantity).") }
        guard fields.allSatisfy({ $0 == "sum(quantity)" }) else {
            throw APIError.badRequest("Unsupported field: only sum(quantity) is kept.")
        }
        let groupBy = request.queryValues("groupBy")
        guard groupBy.allSatisfy(["outcome", "category", "project", "reason"].contains) else {
            throw APIError.badRequest("Invalid groupBy: use outcome, category, project or reason.")
        }
        let interval = try TimeRange.duration(request.queryValue("interval") ?? "1h", name: "interval")
        guard interval >= 3600, interval.truncatingRemainder(dividingBy: 3600) == 0 else {
            throw APIError.badRequest("'interval' must be a whole number of hours (1h, 6h, 1d…).")
        }
        let now = Date().timeIntervalSince1970
        var end = now
        var begin: Double
        if let startText = request.queryValue("start") {
            guard let s = Timestamp.parse(startText), let e = Timestamp.parse(request.queryValue("end") ?? "") else {
                throw APIError.badRequest("'start' and 'end' must both be RFC 3339 dates.")
            }
            begin = s
            end = e
        } else {
            begin = now - (try TimeRange.duration(request.queryValue("statsPeriod") ?? "14d", name: "statsPeriod"))
        }
        guard begin < end, (end - begin) / interval <= 10_000 else {
            throw APIError.badRequest("The period must end after it starts, with at most 10,000 intervals.")
        }
        begin = (begin / interval).rounded(.down) * interval
        let count = Int(((end - begin) / interval).rounded(.up))
        var projects = try store.projects(organizationSlug: organization.slug)
        let wanted = request.queryValues("project").filter { $0 != "-1" && !$0.isEmpty }
        if !wanted.isEmpty {
            let ids = Set(wanted.compactMap(Int.init))
            guard ids.count == wanted.count, ids.isSubset(of: Set(projects.map(\.id))) else {
                throw APIError.forbidden("You do not have access to the projects asked for.")
            }
            projects = projects.filter { ids.contains($0.id) }
        }
        let categories = Set(request.queryValues("category"))
        let outcomes = Set(request.queryValues("outcome"))
        var groups: [[String]: [Int]] = [:]
        for o in try store.outcomes(projectIDs: projects.map(\.id), since: begin, until: end)
        where (categories.isEmpty || categories.contains(o.category)) && (outcomes.isEmpty || outcomes.contains(o.outcome)) {
            let i = Int(clamping: (o.timestamp - begin) / interval)
            guard i >= 0, i < count else { continue }
            let key = groupBy.map { by -> String in
                switch by {
                case "outcome": o.outcome
                case "category": o.category
                case "project": String(o.projectID)
                default: o.reason
                }
            }
            groups[key, default: [Int](repeating: 0, count: count)][i].saturatingAdd(o.quantity)
        }
        let body = JSONValue.object([
            ("start", .string(Timestamp.format(begin))),
            ("end", .string(Timestamp.format(begin + Double(count) * interval))),
            ("intervals", .array((0..<count).map { .string(Timestamp.format(begin + Double($0) * interval)) })),
            ("groups", .array(groups.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { key, series in
                .object([
                    ("by", .object(zip(groupBy, key).map { by, value in
                        (by, by == "project" ? JSONValue.int(Int(value) ?? 0) : .string(value))
                    })),
                    ("totals", .object([("sum(quantity)", .int(series.saturatingSum()))])),
                    ("series", .object([("sum(quantity)", .array(series.map { .int($0) }))])),
                ])
            })),
        ])
        return HTTPResponse.json(body)
    }

    private func seconds(_ request: HTTPRequest, _ name: String) throws -> Double? {
        guard let text = request.queryValue(name), !text.isEmpty else { return nil }
        guard let value = Double(text), Timestamp.validRange.contains(value) else {
            throw APIError.badRequest("'\(name)' must be a Unix timestamp in seconds.")
        }
        return value
    }
}
