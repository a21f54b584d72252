import EventProcessing
import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// The issue API: `/api/0/projects/{org}/{project}/issues/` and `/api/0/issues/{id}/…`.
struct IssuesEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator
    let snapshots = IssueSnapshots()

    // MARK: List

    func list(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let project = try auth.project(organization: p["org"] ?? "", project: p["project"] ?? "", for: token, scope: "event:read")
        return try list(request, projects: [project], token: token)
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
                    throw APIError.forbidden("You do not have access to one of the projects named.")
                }
                ids.insert(project.id)
            }
            projects = projects.filter { ids.contains($0.id) }
        }
        return try list(request, projects: projects, token: token)
    }

    private func list(_ request: HTTPRequest, projects: [Project], token: APIToken) throws -> HTTPResponse {
        let byID = Dictionary(uniqueKeysWithValues: projects.map { ($0.id, $0) })
        var query = IssueQuery(projectIDs: projects.map(\.id))
        // Sentry assumes `is:unresolved` when no query is given.
        try IssueSearch.apply(request.queryValue("query") ?? "is:unresolved", to: &query,
                              context: searchContext(token, organizationID: projects.first?.organizationID ?? token.organizationID))
        if let sort = request.queryValue("sort") {
            guard let s = IssueQuery.Sort(rawValue: sort) else {
                throw APIError.badRequest("Invalid sort: use date, new, freq or user.")
            }
            query.sort = s
        }
        let limit = try Pagination.limit(request, default: 25)
        let cursor = try Pagination.cursor(request)
        let period = request.queryValue("statsPeriod") ?? "24h"
        guard ["24h", "14d", ""].contains(period) else {
            throw APIError.badRequest("Invalid statsPeriod: use 24h, 14d or an empty value.")
        }
        // Pages come from the ordered ids the first page found (see IssueSnapshots), so issues that move while
        // events arrive are neither skipped nor shown twice; past the snapshot (or once it is gone), by value.
        let ids: [Int]
        var offset = 0
        var snapshotKey: String?
        if let cursor, let key = cursor.snapshot, let kept = snapshots.ids(key) {
            ids = kept
            offset = min(cursor.offset, kept.count)
            snapshotKey = key
        } else {
            var all = query
            all.cursor = cursor.map { IssueCursor(value: $0.value, id: $0.id) }
            all.limit = IssueSnapshots.maxIDs
            ids = try store.issueIDs(all)
            if ids.count > limit { snapshotKey = snapshots.keep(ids) }
        }
        let pageIDs = Array(ids[offset..<min(offset + limit, ids.count)])
        let issues = try store.issues(ids: pageIDs).filter { byID[$0.projectID] != nil }
        let end = offset + pageIDs.count
        var next: PageCursor?
        // The page's last issue (even when it was deleted since the snapshot: the next page starts after it).
        let lastOfPage = try issues.last ?? pageIDs.last.flatMap { try store.issue(id: $0) }
        if let last = lastOfPage {
            let keyset = PageCursor(value: sortValue(last, query.sort), id: last.id)
            if end < ids.count, let snapshotKey {
                next = PageCursor(value: keyset.value, id: keyset.id, snapshot: snapshotKey, offset: end)
            } else if ids.count == IssueSnapshots.maxIDs {
                next = keyset
            }
        }
        let stats = try self.stats(issues, period: period)
        let triage = try store.issueTriage(issueIDs: issues.map(\.id), userID: token.userID)
        let base = request.baseURL
        let body = JSONValue.array(issues.compactMap { issue in
            byID[issue.projectID].map { project in
                .object(IssueSerializer.summary(issue, project: project, baseURL: base, triage: triage[issue.id] ?? IssueTriage(),
                                                stats: period.isEmpty ? nil : (period, stats[issue.id] ?? [])))
            }
        })
        var response = HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
        response.headers.add("Link", Pagination.link(request, next: next, current: cursor))
        // Sentry's match count (the projects page shows it): exact up to the snapshot's size, which X-Max-Hits names;
        // past it, an estimate (the match rate over the part of the list the snapshot covered), said so by
        // X-Hits-Estimated, as Sentry estimates large counts rather than count them.
        if cursor == nil {
            var hits = ids.count
            var estimated = false
            if ids.count == IssueSnapshots.maxIDs, let lastID = ids.last, let last = try store.issues(ids: [lastID]).first {
                hits = try store.issueCountEstimate(query, matched: ids.count,
                                                    through: IssueCursor(value: sortValue(last, query.sort), id: last.id))
                estimated = true
            }
            response.headers.add("X-Hits", String(hits))
            response.headers.add("X-Max-Hits", String(IssueSnapshots.maxIDs))
            if estimated { response.headers.add("X-Hits-Estimated", "1") }
        }
        return response
    }

    private func stats(_ issues: [Issue], period: String) throws -> [Int: [[JSONValue]]] {
        guard !period.isEmpty else { return [:] }
        let bucket: Double = period == "24h" ? 3600 : 86_400
        let buckets = period == "24h" ? 24 : period == "30d" ? 30 : 14
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

    // MARK: One issue

    func detail(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let (issue, project) = try issue(request, p, scope: "event:read", token: token)
        return try detailResponse(issue, project: project, request: request, token: token)
    }

    private func detailResponse(_ issue: Issue, project: Project, request: HTTPRequest, token: APIToken) throws -> HTTPResponse {
        let triage = try store.issueTriage(issueIDs: [issue.id], userID: token.userID)[issue.id] ?? IssueTriage()
        var body = IssueSerializer.detail(issue, project: project, baseURL: request.baseURL, triage: triage,
                                          activity: try store.issueActivity(issueID: issue.id),
                                          tags: try store.issueTagSummary(issueID: issue.id, topValues: 9))
        // Sentry's group detail carries the hourly and daily series its frequency chart draws.
        if case .object(var fields) = body {
            let series = try ["24h", "30d"].map { period in
                (key: period, value: JSONValue.array((try stats([issue], period: period)[issue.id] ?? []).map { .array($0) }))
            }
            fields.append(("stats", .object(series)))
            body = .object(fields)
        }
        return HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
    }

    /// `PUT /api/0/issues/{id}/`: a status change and/or triage (`hasSeen`, `isBookmarked`, `assignedTo`); answers
    /// with the issue.
    func update(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let (issue, project) = try issue(request, p, scope: "event:write", token: token)
        let update = try parseUpdate(request, token: token, organizationID: project.organizationID)
        var updated = issue
        if let change = update.status {
            guard let changed = try store.changeIssueStatus(issueID: issue.id, change) else { throw APIError.notFound("Issue not found.") }
            updated = changed
        }
        if !update.triage.isEmpty {
            try store.changeIssueTriage(issueID: issue.id, userID: token.userID, update.triage, at: Date().timeIntervalSince1970)
        }
        return try detailResponse(updated, project: project, request: request, token: token)
    }

    /// The update body with `assignedTo` resolved to a member of the organization: `user:ID`, an id, or an email.
    private func parseUpdate(_ request: HTTPRequest, token: APIToken, organizationID: Int) throws -> IssueUpdateBody {
        var update = try IssueUpdateBody.parse(request.body, actor: token.actor)
        if (update.triage.seen != nil || update.triage.bookmarked != nil) && token.userID == nil {
            throw APIError.badRequest("'hasSeen' and 'isBookmarked' are kept per user; this token does not act for one.")
        }
        if let assignee = update.assignee {
            if assignee.isEmpty {
                update.triage.assignment = IssueTriageChange.Assignment.nobody
            } else {
                guard let member = try store.members(organizationID: organizationID).named(assignee) else {
                    throw APIError.badRequest("Unknown assignee: name a member of the organization (user:ID, an id or an email).")
                }
                update.triage.assignment = IssueTriageChange.Assignment.user(member.user.id)
            }
        }
        return update
    }

    /// `DELETE /api/0/issues/{id}/`: the issue and its events (Sentry answers 202 and deletes later; here the
    /// deletion is done when the answer comes).
    func delete(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (issue, project) = try issue(request, p, scope: "event:admin")
        _ = try store.deleteIssues(projectID: project.id, issueIDs: [issue.id])
        return HTTPResponse(status: .accepted)
    }

    /// `DELETE /api/0/projects/{org}/{project}/issues/?id=…`: Sentry's bulk delete (ids required here, at most
    /// `bulkLimit`); 204.
    func bulkDelete(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let project = try auth.project(organization: p["org"] ?? "", project: p["project"] ?? "", for: token, scope: "event:admin")
        let texts = request.queryValues("id")
        guard !texts.isEmpty else { throw APIError.badRequest("Name the issues to delete with id=… (repeated).") }
        guard texts.count <= Self.bulkLimit else { throw APIError.badRequest("At most \(Self.bulkLimit) issues per request.") }
        let ids = try texts.map { text in
            guard let id = Int(text), id > 0 else { throw APIError.badRequest("Invalid issue id: expected a positive integer.") }
            return id
        }
        // Other projects' ids are skipped, as in the bulk update.
        _ = try store.deleteIssues(projectID: project.id, issueIDs: ids)
        return HTTPResponse(status: .noContent)
    }

    /// `PUT /api/0/projects/{org}/{project}/issues/`: one change (status and/or triage) for many issues, chosen by
    /// `id=…` (repeated), by `status=…`, or by the search `query` (default `is:unresolved`), at most `bulkLimit` of
    /// them. Answers 204 when nothing matched, else the change applied (Sentry's shape).
    /// `sentry-cli issues resolve|mute|unresolve`.
    func bulkUpdate(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let project = try auth.project(organization: p["org"] ?? "", project: p["project"] ?? "", for: token, scope: "event:write")
        let update = try parseUpdate(request, token: token, organizationID: project.organizationID)
        var targets: [Int] = []
        let ids = request.queryValues("id")
        if !ids.isEmpty {
            for text in ids {
                guard let id = Int(text), id > 0 else { throw APIError.badRequest("Invalid issue id: expected a positive integer.") }
                // Other projects' issues are skipped, not reported: their existence is not confirmed.
                if let issue = try store.issue(id: id), issue.projectID == project.id, !targets.contains(id) { targets.append(id) }
            }
        } else {
            var query = IssueQuery(projectID: project.id)
            if let status = request.queryValue("status"), !status.isEmpty {
                try IssueSearch.apply("is:\(status == "muted" ? "ignored" : status)", to: &query)
            } else {
                try IssueSearch.apply(request.queryValue("query") ?? "is:unresolved", to: &query,
                                      context: searchContext(token, organizationID: project.organizationID))
            }
            query.limit = Self.bulkLimit
            targets = try store.issues(query).map(\.id)
        }
        guard !targets.isEmpty else { return HTTPResponse(status: .noContent) }
        let last = try store.updateIssues(targets, status: update.status, triage: update.triage, userID: token.userID,
                                          at: Date().timeIntervalSince1970)
        var fields: [(key: String, value: JSONValue)] = []
        if let last, update.status != nil {
            fields.append(("status", .string(last.status.rawValue)))
            fields.append(("statusDetails", IssueSerializer.statusDetails(last.statusDetails)))
        }
        if let seen = update.triage.seen { fields.append(("hasSeen", .bool(seen))) }
        if let bookmarked = update.triage.bookmarked { fields.append(("isBookmarked", .bool(bookmarked))) }
        if let assignment = update.triage.assignment {
            switch assignment {
            case .nobody: fields.append(("assignedTo", .null))
            case .user(let id):
                fields.append(("assignedTo", try store.user(id: id).map { IssueSerializer.assignee($0) } ?? .null))
            }
        }
        return HTTPResponse(status: .ok, contentType: "application/json", body: JSONValue.object(fields).serialized)
    }

    static let bulkLimit = 1000

    /// What `me` and member names in a search mean for this token.
    private func searchContext(_ token: APIToken, organizationID: Int) -> IssueSearch.Context {
        var context = IssueSearch.Context()
        context.userID = token.userID
        context.member = { [store] name in try store.members(organizationID: organizationID).named(name)?.user.id }
        return context
    }

    func activities(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (issue, _) = try issue(request, p, scope: "event:read")
        let body = JSONValue.object([("activity", .array(try store.issueActivity(issueID: issue.id).map(IssueSerializer.activity)))])
        return HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
    }

    // MARK: Events

    func events(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (issue, project) = try issue(request, p, scope: "event:read")
        let limit = try Pagination.limit(request, default: 50)
        let cursor = try Pagination.cursor(request)
        var after: Int?
        if let cursor {
            guard let id = cursor.rowID else { throw APIError.badRequest("Invalid cursor parameter.") }
            after = id
        }
        let full = ["1", "true"].contains(request.queryValue("full") ?? "")
        let events = try store.issueEvents(issueID: issue.id, oldestFirst: false, limit: limit + 1, afterRowID: after)
        let page = Array(events.prefix(limit))
        let body = JSONValue.array(try page.map { event in
            full ? try EventSerializer.detail(event, projectID: project.id) : try EventSerializer.summary(event, projectID: project.id)
        })
        var response = HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
        let next = events.count > limit ? page.last.map { PageCursor(value: Double($0.rowID)) } : nil
        response.headers.add("Link", Pagination.link(request, next: next, current: cursor))
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
        // A performance event's own evidence (its spans), else what the issue recorded at its first sighting.
        var found: (segment: TransactionRecord, problem: PerformanceProblem)?
        var recorded: String?
        if issue.isPerformance, let hash = event.groupingHash, let record = try store.groupHash(projectID: project.id, hash: hash) {
            recorded = record.components
            let settings = try store.projectConfig(projectID: project.id).performance
            found = (try? JSONDocument(bytes: event.json)).flatMap { OccurrenceEvidence.found(in: $0.root, hash: hash, settings: settings) }
        }
        var body = try EventSerializer.detail(event, projectID: project.id, segment: found?.segment.spanID)
        // Sentry's neighbours within the issue, for the event view's older/newer buttons.
        if case .object(var fields) = body {
            let older = try store.issueEvents(issueID: issue.id, oldestFirst: false, limit: 1, afterRowID: event.rowID).first
            let newer = try store.issueEvents(issueID: issue.id, oldestFirst: true, limit: 1, afterRowID: event.rowID).first
            fields.append(("previousEventID", older.map { .string($0.eventID.hex) } ?? .null))
            fields.append(("nextEventID", newer.map { .string($0.eventID.hex) } ?? .null))
            let evidence = found.map { String(decoding: $0.problem.evidenceJSON(transaction: $0.segment.name), as: UTF8.self) } ?? recorded
            if let evidence, let occurrence = OccurrenceSerializer.occurrence(evidence: evidence, issue: issue) {
                fields.append(("occurrence", occurrence))
            }
            body = .object(fields)
        }
        return HTTPResponse(status: .ok, contentType: "application/json", body: body.serialized)
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
