import FaultlineCore
import HTTPServer
import SentryProtocol

/// `GET /api/0/` and the organization routes, in Sentry's shapes: what `sentry-cli info`, `organizations list`
/// and `projects list` read. A token belongs to one organization, so it lists that one.
struct OrganizationsEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    /// Sentry's API root: the token's scopes. There are no user accounts yet, so `user` is null.
    func root(_ request: HTTPRequest) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        return Self.json(.object([
            ("version", .string("0")),
            ("auth", .object([("id", .string(String(token.id))), ("scopes", .array(token.scopes.map { .string($0) }))])),
            ("user", .null),
        ]))
    }

    func list(_ request: HTTPRequest) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        try auth.require("org:read", of: token)
        let organizations = try store.organization(id: token.organizationID).map { [$0] } ?? []
        return Self.json(.array(organizations.map(Self.organization)))
    }

    func detail(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.require("org:read", of: token)
        return Self.json(Self.organization(organization))
    }

    func projects(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.require("org:read", of: token)
        let projects = try store.projects(organizationSlug: organization.slug)
        return Self.json(.array(projects.map { Self.project($0, in: organization) }))
    }

    /// Sentry's organization summary; the flags Sentry has and Faultline does not (2FA, early adopter) are false.
    static func organization(_ o: Organization) -> JSONValue {
        .object([
            ("id", .string(String(o.id))),
            ("slug", .string(o.slug)),
            ("name", .string(o.name)),
            ("dateCreated", .string(Timestamp.format(o.createdAt))),
            ("status", .object([("id", .string("active")), ("name", .string("active"))])),
            ("isEarlyAdopter", .bool(false)),
            ("require2FA", .bool(false)),
            ("requireEmailVerification", .bool(false)),
            ("avatar", .object([("avatarType", .string("letter_avatar")), ("avatarUuid", .null)])),
            ("features", .array([])),
        ])
    }

    /// Sentry's project summary. Faultline has no teams: `team` is null and `teams` empty.
    static func project(_ p: Project, in o: Organization) -> JSONValue {
        .object([
            ("id", .string(String(p.id))),
            ("slug", .string(p.slug)),
            ("name", .string(p.name)),
            ("platform", p.platform.map(JSONValue.string) ?? .null),
            ("dateCreated", .string(Timestamp.format(p.createdAt))),
            ("status", .string("active")),
            ("isBookmarked", .bool(false)),
            ("isMember", .bool(true)),
            ("hasAccess", .bool(true)),
            ("features", .array([])),
            ("team", .null),
            ("teams", .array([])),
            ("organization", .object([("id", .string(String(o.id))), ("slug", .string(o.slug)), ("name", .string(o.name))])),
        ])
    }

    private static func json(_ value: JSONValue) -> HTTPResponse {
        HTTPResponse(status: .ok, contentType: "application/json", body: value.serialized)
    }
}
