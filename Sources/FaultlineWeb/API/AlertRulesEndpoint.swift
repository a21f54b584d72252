import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// Issue alert rules (`/api/0/projects/{org}/{project}/rules/`, Sentry's routes and JSON) and their firing history.
/// A webhook action's signing secret is shown once, in the answer that created it.
struct AlertRulesEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator
    let engine: AlertEngine?

    private static let readScopes = ["alerts:read", "alerts:write", "project:read", "project:write", "project:admin"]
    private static let writeScopes = ["alerts:write", "project:write", "project:admin"]

    func list(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try projectFor(request, p, scopes: Self.readScopes)
        return HTTPResponse.json(.array(try store.alertRules(projectID: project.id).map { AlertRuleCodec.json($0, secrets: false) }))
    }

    func create(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try projectFor(request, p, scopes: Self.writeScopes)
        guard try store.alertRules(projectID: project.id).count < 100 else {
            throw APIError.badRequest("A project may have at most 100 alert rules.")
        }
        let rule = try parse(request, projectID: project.id, existing: nil)
        let created = try store.createAlertRule(rule)
        engine?.reload(projectID: project.id)
        return HTTPResponse.json(AlertRuleCodec.json(created, secrets: true), status: .created)
    }

    func detail(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (_, rule) = try ruleFor(request, p, scopes: Self.readScopes)
        return HTTPResponse.json(AlertRuleCodec.json(rule, secrets: false))
    }

    func update(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (project, existing) = try ruleFor(request, p, scopes: Self.writeScopes)
        let rule = try parse(request, projectID: project.id, existing: existing)
        guard try store.updateAlertRule(rule) else { throw APIError.notFound("Alert rule not found.") }
        engine?.reload(projectID: project.id)
        // Secrets appear only for webhook actions that got a new one (a new URL).
        let oldSecrets = Set(existing.actions.compactMap { if case .webhook(_, let s) = $0 { s } else { nil } })
        var shown = AlertRuleCodec.json(rule, secrets: false)
        if case .object(var fields) = shown, let i = fields.firstIndex(where: { $0.key == "actions" }) {
            fields[i].value = .array(rule.actions.map { action in
                if case .webhook(_, let secret) = action, !oldSecrets.contains(secret) {
                    return AlertRuleCodec.actionJSONWithSecret(action)
                }
                return AlertRuleCodec.actionJSONWithoutSecret(action)
            })
            shown = .object(fields)
        }
        return HTTPResponse.json(shown)
    }

    func delete(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (project, rule) = try ruleFor(request, p, scopes: Self.writeScopes)
        guard try store.deleteAlertRule(id: rule.id) else { throw APIError.notFound("Alert rule not found.") }
        engine?.reload(projectID: project.id)
        return HTTPResponse(status: .accepted)
    }

    /// One rule's firings, newest first, with each delivery's state.
    func history(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (_, rule) = try ruleFor(request, p, scopes: Self.readScopes)
        return try Self.historyResponse(store, request, rule: (.issue, rule.id), projectIDs: [])
    }

    /// `GET /api/0/organizations/{org}/alert-history/` (`project=ID` repeated to narrow it).
    func organizationHistory(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.requireAny(Self.readScopes, of: token)
        var projects = try store.projects(organizationSlug: organization.slug).map(\.id)
        let wanted = request.queryValues("project").filter { !$0.isEmpty && $0 != "-1" }
        if !wanted.isEmpty {
            let ids = Set(wanted.compactMap { Int($0) })
            guard ids.count == wanted.count, ids.isSubset(of: Set(projects)) else {
                throw APIError.forbidden("You do not have access to one of the projects named.")
            }
            projects = projects.filter { ids.contains($0) }
        }
        return try Self.historyResponse(store, request, rule: nil, projectIDs: projects)
    }

    /// Firings newest first, 50 a page (Sentry's cursor links): of one rule or of the projects given.
    static func historyResponse(_ store: any FaultlineStore, _ request: HTTPRequest, rule: (kind: AlertFiring.Kind, id: Int)?,
                                projectIDs: [Int]) throws -> HTTPResponse {
        let limit = try Pagination.limit(request, default: 50)
        let cursor = try Pagination.cursor(request)
        var before: Int?
        if let cursor {
            guard let id = cursor.rowID else { throw APIError.badRequest("Invalid cursor parameter.") }
            before = id
        }
        let firings = try store.alertFirings(rule: rule, projectIDs: projectIDs, limit: limit + 1, beforeID: before)
        let page = Array(firings.prefix(limit))
        var response = HTTPResponse.json(.array(page.map(Self.firing)))
        let next = firings.count > limit ? page.last.map { PageCursor(value: Double($0.id)) } : nil
        response.headers.add("Link", Pagination.link(request, next: next, current: cursor))
        return response
    }

    static func firing(_ f: AlertFiring) -> JSONValue {
        // A metric firing shows what was measured and the states it moved between (from the payload it sent).
        var metric: JSONValue = .null
        if let payload = f.payload, let doc = try? JSONDocument(bytes: Array(payload.utf8)), let m = doc.root["metric"] {
            metric = .object([
                ("value", m["value"]?.double.map(JSONValue.double) ?? .null),
                ("threshold", m["threshold"]?.double.map(JSONValue.double) ?? .null),
                ("previousState", m["previousState"]?.string.map(JSONValue.string) ?? .null),
                ("state", m["state"]?.string.map(JSONValue.string) ?? .null),
            ])
        }
        return .object([
            ("id", .string(String(f.id))),
            ("kind", .string(f.kind.rawValue)),
            ("rule", .object([("id", .string(String(f.ruleID)))])),
            ("metric", metric),
            ("projectID", .string(String(f.projectID))),
            ("trigger", .string(f.trigger)),
            ("issue", f.issueID.map { .object([("id", .string(String($0)))]) } ?? .null),
            ("eventID", f.eventID.map { .string($0.hex) } ?? .null),
            ("dateFired", .string(Timestamp.format(f.firedAt))),
            ("deliveries", .array(f.deliveries.map { d in
                .object([
                    ("id", .string(String(d.id))),
                    ("kind", .string(d.kind)),
                    ("target", .string(d.target)),
                    ("status", .string(d.status.rawValue)),
                    ("attempts", .int(d.attempts)),
                    ("lastStatus", d.lastStatus.map(JSONValue.int) ?? .null),
                    ("lastError", d.lastError.map(JSONValue.string) ?? .null),
                    ("dateDelivered", d.deliveredAt.map { .string(Timestamp.format($0)) } ?? .null),
                    ("nextAttempt", d.status == .pending ? d.nextAttemptAt.map { .string(Timestamp.format($0)) } ?? .null : .null),
                ])
            })),
        ])
    }

    private func parse(_ request: HTTPRequest, projectID: Int, existing: AlertRule?) throws -> AlertRule {
        let root = try request.jsonObjectBody()
        do {
            return try AlertRuleCodec.parse(root, projectID: projectID, existing: existing) { Credentials.randomHex(bytes: 32) }
        } catch {
            throw APIError.badRequest(error.description)
        }
    }

    private func projectFor(_ request: HTTPRequest, _ p: [String: String], scopes: [String]) throws -> Project {
        let token = try auth.authenticate(request)
        let org = try auth.organization(p["org"] ?? "", for: token)
        guard let project = try store.project(organizationSlug: org.slug, projectSlug: p["project"] ?? "") else {
            throw APIError.notFound("The requested resource does not exist.")
        }
        try auth.requireAny(scopes, of: token)
        return project
    }

    private func ruleFor(_ request: HTTPRequest, _ p: [String: String], scopes: [String]) throws -> (Project, AlertRule) {
        let project = try projectFor(request, p, scopes: scopes)
        guard let id = Int(p["rule_id"] ?? ""), let rule = try store.alertRule(id: id), rule.projectID == project.id else {
            throw APIError.notFound("Alert rule not found.")
        }
        return (project, rule)
    }
}
