import EventProcessing
import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// The issue API: `/api/0/projects/{org}/{project}/issues/` and `/api/0/issues/{id}/…`.
struct IssuesEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    // MARK: List

    func list(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "event:read")
        return try list(request, projects: [project])
    }

    /// `GET /api/0/organizations/{org}/issues/`: the same list over the organization's projects, or those named by
    /// `project=ID` (repeated; `-1` means all, as in Sentry).
    func organizationList(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.require("event:read", of: token)
        var projects = try store.projects(organizationSlug: organization.slug)
        let wanted = request.queryValues("project").filter { $0 != "-1" }
        if !wanted.isEmpty {
            var ids: Set<Int> = []
            for text in wanted {
                guard let id = Int(text), let project = projects.first(where: { $0.id == id }) else {
                    throw APIError.forbidden("You do not have access to project '\(text.prefix(40))'.")
                }
                ids.insert(project.id)
            }
            projects = projects.filter { ids.contains($0.id) }
        }
        return try list(request, projects: projects)
    }

    private func list(_ request: HTTPRequest, projects: [Project]) throws -> HTTPResponse {
        let byID = Dictionary(uniqueKeysWithValues: projects.map { ($0.id, $0) })
        var query = IssueQuery(projectIDs: projects.map(\.id))
        // Sentry assumes `is:unresolved` when no query is given.
        try IssueSearch.apply(request.queryValue("query") ?? "is:unresolved", to: &query)
        if let sort = request.queryValue("sort") {
            guard let s = IssueQuery.Sort(rawValue: sort) else {
                throw APIError.badRequest("Invalid sort '\(sort)': use date, new, freq or user.")
            }
            query.sort = s
        }
        query.limit = try Pagination.limit(request, default: 25)
        if let cursor = request.queryValue("cursor"), !cursor.isEmpty {
            query.cursor = try parseCursor(cursor)
        }
        let period = request.queryValue("statsPeriod") ?? "24h"
        guard ["24h", "14d", ""].contains(period) else {
            throw APIError.badRequest("Invalid statsPeriod '\(period)': use 24h, 14d or an empty value.")
        }
        // One more than asked, to know whether a next page exists.
        var probe = query
        probe.limit = query.limit + 1
        var issues = try store.issues(probe)
        let hasMore = issues.count > query.limit
        issues = Array(issues.prefix(query.limit))
        let stats = try self.stats(issues, period: period)
        let base = request.baseURL
        let body = JSONValue.array(issues.compactMap { issue in
            byID[issue.projectID].map { project in
                .object(IssueSerializer.summary(issue, project: project, baseURL: base,
                                                stats: period.isEmpty ? nil : (period, stats[issue.id] ?? [])))
            }
        })
        var response = HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
        let next = issues.last.map { sortValue($0, query.sort) }.map { "\(Self.format($0)):\(issues.last?.id ?? 0):0" }
        response.headers.add("Link", Pagination.link(request, next: hasMore ? next : nil, current: request.queryValue("cursor")))
        return response
    }

    private func stats(_ issues: [Issue], period: String) throws -> [Int: [[JSONValue]]] {
        guard !period.isEmpty else { return [:] }
        let bucket: Double = period == "24h" ? 3600 : 86_400
        let buckets = period == "24h" ? 24 : 14
        let now = Date().timeIntervalSince1970
        let end = (now / bucket).rounded(.down) * bucket
        let start = end - Double(buckets - 1) * bucket
        let counts = try store.issueStats(issueIDs: issues.map(\.id), since: start, bucketSeconds: bucket)
        var result: [Int: [[JSONValue]]] = [:]
        for issue in issues {
            let byBucket = counts[issue.id] ?? [:]
            result[issue.id] = (0..<buckets).map { i in
                let t = Int(start + Double(i) * bucket)
                return [.int(t), .int(byBucket[t] ?? 0)]
            }
        }
        return result
    }

    private func sortValue(_ issue: Issue, _ sort: IssueQuery.Sort) -> Double {
        switch sort {
        case .date: issue.lastSeen
        case .new: issue.firstSeen
        case .freq: Double(issue.timesSeen)
        case .user: Double(issue.userCount)
        }
    }

    static func format(_ v: Double) -> String {
        v.rounded() == v && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }

    /// Cursors are `value:id:0` (Sentry's cursors are opaque to clients, which pass them back as given).
    private func parseCursor(_ text: String) throws -> IssueCursor {
        let parts = text.split(separator: ":")
        guard parts.count >= 2, let value = Double(parts[0]), value.isFinite, let id = Int(parts[1]) else {
            throw APIError.badRequest("Invalid cursor parameter.")
        }
        return IssueCursor(value: value, id: id)
    }

    // MARK: One issue

    func detail(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (issue, project) = try issue(request, p, scope: "event:read")
        return try detailResponse(issue, project: project, request: request)
    }

    private func detailResponse(_ issue: Issue, project: Project, request: HTTPRequest) throws -> HTTPResponse {
        let body = IssueSerializer.detail(issue, project: project, baseURL: request.baseURL,
                                          activity: try store.issueActivity(issueID: issue.id),
                                          tags: try store.issueTagSummary(issueID: issue.id, topValues: 9))
        return HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
    }

    func update(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let (issue, project) = try issue(request, p, scope: "event:write", token: token)
        let change = try IssueUpdateBody.parse(request.body, actor: token.name.map { "token:\($0)" } ?? "token:\(token.id)")
        guard let updated = try store.changeIssueStatus(issueID: issue.id, change) else {
            throw APIError.notFound("Issue not found.")
        }
        return try detailResponse(updated, project: project, request: request)
    }

    /// `PUT /api/0/projects/{org}/{project}/issues/`: one status change for many issues, chosen by `id=…` (repeated),
    /// by `status=…`, or by the search `query` (default `is:unresolved`), at most `bulkLimit` of them. Answers
    /// 204 when nothing matched, else the change applied (Sentry's shape). `sentry-cli issues resolve|mute|unresolve`.
    func bulkUpdate(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let project = try auth.project(organization: p["org"] ?? "", project: p["project"] ?? "", for: token, scope: "event:write")
        let change = try IssueUpdateBody.parse(request.body, actor: token.name.map { "token:\($0)" } ?? "token:\(token.id)")
        var targets: [Int] = []
        let ids = request.queryValues("id")
        if !ids.isEmpty {
            for text in ids {
                guard let id = Int(text), id > 0 else { throw APIError.badRequest("Invalid issue id '\(text.prefix(40))'.") }
                // Other projects' issues are skipped, not reported: their existence is not confirmed.
                if let issue = try store.issue(id: id), issue.projectID == project.id, !targets.contains(id) { targets.append(id) }
            }
        } else {
            var query = IssueQuery(projectID: project.id)
            if let status = request.queryValue("status"), !status.isEmpty {
                try IssueSearch.apply("is:\(status == "muted" ? "ignored" : status)", to: &query)
            } else {
                try IssueSearch.apply(request.queryValue("query") ?? "is:unresolved", to: &query)
            }
            query.limit = Self.bulkLimit
            targets = try store.issues(query).map(\.id)
        }
        guard !targets.isEmpty else { return HTTPResponse(status: .noContent) }
        var last: Issue?
        for id in targets { last = try store.changeIssueStatus(issueID: id, change) ?? last }
        guard let last else { return HTTPResponse(status: .noContent) }
        let body = JSONValue.object([
            ("status", .string(last.status.rawValue)),
            ("statusDetails", IssueSerializer.statusDetails(last.statusDetails)),
        ])
        return HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
    }

    static let bulkLimit = 1000

    func activities(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (issue, _) = try issue(request, p, scope: "event:read")
        let body = JSONValue.object([("activity", .array(try store.issueActivity(issueID: issue.id).map(IssueSerializer.activity)))])
        return HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
    }

    // MARK: Events

    func events(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (issue, project) = try issue(request, p, scope: "event:read")
        let limit = try Pagination.limit(request, default: 50)
        var after: Int?
        if let cursor = request.queryValue("cursor"), !cursor.isEmpty {
            guard let id = Int(cursor.split(separator: ":").first ?? "") else { throw APIError.badRequest("Invalid cursor parameter.") }
            after = id
        }
        let full = ["1", "true"].contains(request.queryValue("full") ?? "")
        let events = try store.issueEvents(issueID: issue.id, oldestFirst: false, limit: limit + 1, afterRowID: after)
        let page = Array(events.prefix(limit))
        let body = JSONValue.array(try page.map { event in
            full ? try EventSerializer.detail(event, projectID: project.id) : try EventSerializer.summary(event, projectID: project.id)
        })
        var response = HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
        let next = events.count > limit ? page.last.map { "\($0.rowID):0:0" } : nil
        response.headers.add("Link", Pagination.link(request, next: next, current: request.queryValue("cursor")))
        return response
    }

    func event(_ request: HTTPRequest, _ p: [String: String], which: String) throws -> HTTPResponse {
        let (issue, project) = try issue(request, p, scope: "event:read")
        let event: StoredEvent?
        switch which {
        case "latest", "recommended":
            event = try store.issueEvents(issueID: issue.id, oldestFirst: false, limit: 1, afterRowID: nil).first
        case "oldest":
            event = try store.issueEvents(issueID: issue.id, oldestFirst: true, limit: 1, afterRowID: nil).first
        default:
            guard let id = EventID(which), let found = try store.event(projectID: project.id, eventID: id),
                  found.issueID == issue.id else { throw APIError.notFound("Event not found.") }
            event = found
        }
        guard let event else { throw APIError.notFound("Event not found.") }
        let body = try EventSerializer.detail(event, projectID: project.id).serialized
        return HTTPResponse(status: .ok, contentType: "application/json", body: body)
    }

    // MARK: Tags

    func tags(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (issue, _) = try issue(request, p, scope: "event:read")
        let body = JSONValue.array(try store.issueTagSummary(issueID: issue.id, topValues: 9).map(IssueSerializer.tagKey))
        return HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
    }

    func tag(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (issue, _) = try issue(request, p, scope: "event:read")
        let key = p["key"] ?? ""
        guard let summary = try store.issueTagSummary(issueID: issue.id, topValues: 9).first(where: { $0.key == key }) else {
            throw APIError.notFound("Tag not found.")
        }
        return HTTPResponse(status: .ok, contentType: "application/json", body: IssueSerializer.tagKey(summary).serialized)
    }

    func tagValues(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (issue, _) = try issue(request, p, scope: "event:read")
        let values = try store.issueTagValues(issueID: issue.id, key: p["key"] ?? "", limit: try Pagination.limit(request, default: 100))
        let body = JSONValue.array(values.map(IssueSerializer.tagValue))
        return HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
    }

    // MARK: Helpers

    private func issue(_ request: HTTPRequest, _ p: [String: String], scope: String,
                       token given: APIToken? = nil) throws -> (Issue, Project) {
        let token = try given ?? auth.authenticate(request)
        guard let id = Int(p["issue_id"] ?? ""), let issue = try store.issue(id: id),
              let project = try store.project(id: issue.projectID), project.organizationID == token.organizationID else {
            throw APIError.notFound("Issue not found.")
        }
        guard token.scopes.contains(scope) else {
            throw APIError.forbidden("You do not have permission to perform this action (needs \(scope)).")
        }
        return (issue, project)
    }
}

/// The body of `PUT /api/0/issues/{id}/`: `{"status": …, "statusDetails": {…}}`, as Sentry accepts it.
enum IssueUpdateBody {
    static func parse(_ body: [UInt8], actor: String) throws -> IssueStatusChange {
        guard !body.isEmpty else { throw APIError.badRequest("Request body is required.") }
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: body)
        } catch {
            throw APIError.badRequest("Request body is not valid JSON: \(error.description)")
        }
        let root = document.root
        guard root.kind == .object else { throw APIError.badRequest("Request body must be a JSON object.") }
        guard let statusText = root["status"]?.string else { throw APIError.badRequest("Missing 'status'.") }
        // Sentry's older form: `snoozeDuration` (minutes) beside the status, as sentry-cli sends it.
        let snooze = root["snoozeDuration"].flatMap { $0.isNull ? nil : $0 }
        var change: IssueStatusChange
        switch statusText {
        case "resolved": change = IssueStatusChange(status: .resolved)
        case "resolvedInNextRelease":
            change = IssueStatusChange(status: .resolved)
            change.inNextRelease = true
        case "unresolved": change = IssueStatusChange(status: .unresolved)
        case "ignored", "archived", "muted": change = IssueStatusChange(status: .ignored)
        default:
            throw APIError.badRequest("Invalid status '\(statusText)': use resolved, resolvedInNextRelease, unresolved or ignored.")
        }
        change.actor = actor
        if let details = root["statusDetails"], !details.isNull {
            guard details.kind == .object else { throw APIError.badRequest("'statusDetails' must be an object.") }
            if let next = details["inNextRelease"]?.bool { change.inNextRelease = next }
            if let release = details["inRelease"] {
                guard let version = release.string, !version.isEmpty, version.count <= 200 else {
                    throw APIError.badRequest("'inRelease' must be a release version.")
                }
                change.inRelease = version
            }
            func count(_ key: String) throws -> Int? {
                guard let v = details[key], !v.isNull else { return nil }
                guard let n = v.int, n > 0, n <= 1_000_000_000 else { throw APIError.badRequest("'\(key)' must be a positive integer.") }
                return n
            }
            change.ignoreDuration = try count("ignoreDuration")
            change.ignoreCount = try count("ignoreCount")
            change.ignoreUserCount = try count("ignoreUserCount")
        }
        if let snooze {
            guard let minutes = snooze.int, minutes > 0, minutes <= 1_000_000_000 else {
                throw APIError.badRequest("'snoozeDuration' must be a positive number of minutes.")
            }
            guard change.status == .ignored else { throw APIError.badRequest("'snoozeDuration' needs status 'ignored'.") }
            change.ignoreDuration = change.ignoreDuration ?? minutes
        }
        if change.status != .resolved && (change.inNextRelease || change.inRelease != nil) {
            throw APIError.badRequest("'inRelease' and 'inNextRelease' need status 'resolved'.")
        }
        return change
    }
}
