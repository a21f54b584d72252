import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// Metric alert rules (`/api/0/organizations/{org}/alert-rules/`, Sentry's routes and JSON), where each stands, and
/// its history of state changes. A webhook action's signing secret is shown once, in the answer that created it.
struct MetricAlertRulesEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator
    let engine: MetricAlertEngine?

    private static let readScopes = ["alerts:read", "alerts:write", "org:read", "org:write", "org:admin", "project:read",
                                     "project:write", "project:admin"]
    private static let writeScopes = ["alerts:write", "org:write", "org:admin", "project:write", "project:admin"]

    func list(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, projects) = try scope(request, p, scopes: Self.readScopes)
        let records = try store.metricAlertRules(organizationID: organization.id)
        return HTTPResponse.json(.array(records.map { show($0, projects: projects, secrets: false) }))
    }

    func create(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, projects) = try scope(request, p, scopes: Self.writeScopes)
        guard try store.metricAlertRules(organizationID: organization.id).count < 200 else {
            throw APIError.badRequest("An organization may have at most 200 metric alert rules.")
        }
        let rule = try parse(request, organization: organization, projects: projects, existing: nil)
        let created = try store.createMetricAlertRule(rule)
        engine?.reload()
        let record = MetricAlertRecord(rule: created, state: .ok, stateChangedAt: nil, lastValue: nil)
        return HTTPResponse.json(show(record, projects: projects, secrets: true), status: .created)
    }

    func detail(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (_, projects, record) = try ruleFor(request, p, scopes: Self.readScopes)
        return HTTPResponse.json(show(record, projects: projects, secrets: false))
    }

    func update(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (organization, projects, existing) = try ruleFor(request, p, scopes: Self.writeScopes)
        let rule = try parse(request, organization: organization, projects: projects, existing: existing.rule)
        guard try store.updateMetricAlertRule(rule) else { throw APIError.notFound("Alert rule not found.") }
        engine?.reload()
        var record = existing
        record.rule = rule
        // Secrets appear only for webhook actions that got a new one (a new URL).
        let oldSecrets = Set(existing.rule.triggers.flatMap(\.actions).compactMap { if case .webhook(_, let s) = $0 { s } else { nil } })
        let shown = show(record, projects: projects, showSecret: { !oldSecrets.contains($0) })
        return HTTPResponse.json(shown)
    }

    func delete(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (_, _, record) = try ruleFor(request, p, scopes: Self.writeScopes)
        guard try store.deleteMetricAlertRule(id: record.rule.id) else { throw APIError.notFound("Alert rule not found.") }
        engine?.reload()
        return HTTPResponse(status: .noContent)
    }

    /// The rule's changes of state, newest first, with each notification's deliveries.
    func history(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let (_, _, record) = try ruleFor(request, p, scopes: Self.readScopes)
        return try AlertRulesEndpoint.historyResponse(store, request, rule: (.metric, record.rule.id), projectIDs: [])
    }

    private func show(_ record: MetricAlertRecord, projects: [Project], secrets: Bool) -> JSONValue {
        show(record, projects: projects, showSecret: { _ in secrets })
    }

    private func show(_ record: MetricAlertRecord, projects: [Project], showSecret: (String) -> Bool) -> JSONValue {
        let slugs = Dictionary(projects.map { ($0.id, $0.slug) }, uniquingKeysWith: { a, _ in a })
        guard case .object(var fields) = MetricAlertRuleCodec.json(record.rule, storedForm: false, projectSlug: { slugs[$0] },
                                                                   showSecret: showSecret) else {
            return .null
        }
        let live = engine?.current(ruleID: record.rule.id)
        let state = live?.state ?? record.state
        fields.append(("state", .string(state.rawValue)))
        fields.append(("dateStateChanged", record.stateChangedAt.map { .string(Timestamp.format($0)) } ?? .null))
        let value = live?.value ?? nil
        fields.append(("currentValue", value.map(JSONValue.double) ?? .null))
        return .object(fields)
    }

    private func parse(_ request: HTTPRequest, organization: Organization, projects: [Project],
                       existing: MetricAlertRule?) throws -> MetricAlertRule {
        let root = try request.jsonObjectBody()
        let bySlug = Dictionary(projects.map { ($0.slug, $0.id) }, uniquingKeysWith: { a, _ in a })
        do {
            return try MetricAlertRuleCodec.parse(root, organizationID: organization.id, existing: existing,
                                                  projectID: { bySlug[$0] }, newSecret: { Credentials.randomHex(bytes: 32) })
        } catch {
            throw APIError.badRequest(error.description)
        }
    }

    private func scope(_ request: HTTPRequest, _ p: [String: String], scopes: [String]) throws -> (Organization, [Project]) {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.requireAny(scopes, of: token)
        return (organization, try store.projects(organizationSlug: organization.slug))
    }

    private func ruleFor(_ request: HTTPRequest, _ p: [String: String],
                         scopes: [String]) throws -> (Organization, [Project], MetricAlertRecord) {
        let (organization, projects) = try scope(request, p, scopes: scopes)
        guard let id = Int(p["rule_id"] ?? ""), let record = try store.metricAlertRule(id: id),
              record.rule.organizationID == organization.id else {
            throw APIError.notFound("Alert rule not found.")
        }
        return (organization, projects, record)
    }
}
