import FaultlineCore
import HTTPServer
import SentryProtocol

/// `GET /api/0/` and the organization routes, in Sentry's shapes: what `sentry-cli info`, `organizations list`
/// and `projects list` read. A token belongs to one organization, so it lists that one.
struct OrganizationsEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    /// Sentry's API root: the token's scopes and the user it acts for (null for a token older than users).
    func root(_ request: HTTPRequest) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let user = try token.userID.flatMap { try store.user(id: $0) }
        return HTTPResponse.json(.object([
            ("version", .string("0")),
            ("auth", .object([("id", .string(String(token.id))), ("scopes", .array(token.scopes.map { .string($0) }))])),
            ("user", user.map(UsersEndpoint.user) ?? .null),
        ]))
    }

    func list(_ request: HTTPRequest) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        try auth.require("org:read", of: token)
        let organizations = try store.organization(id: token.organizationID).map { [$0] } ?? []
        return HTTPResponse.json(.array(organizations.map(Self.organization)))
    }

    func detail(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.require("org:read", of: token)
        return HTTPResponse.json(Self.organization(organization))
    }

    func projects(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.require("org:read", of: token)
        let projects = try store.projects(organizationSlug: organization.slug)
        return HTTPResponse.json(.array(projects.map { Self.project($0, in: organization) }))
    }

    /// `POST /api/0/organizations/{org}/projects/` (and Sentry's team route: Faultline has no teams, so the team
    /// named is not checked): `{"name", "slug"?, "platform"?}` → 201 with the project; its first DSN key is made too.
    func createProject(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.require("project:write", of: token)
        let body = try request.jsonObjectBody()
        func text(_ key: String, required: Bool, max: Int) throws -> String? {
            guard let value = body[key], !value.isNull else {
                if required { throw APIError.badRequest("'\(key)' is required.") }
                return nil
            }
            guard let s = value.string, !s.isEmpty, s.utf8.count <= max else {
                throw APIError.badRequest("'\(key)' must be a string of 1 to \(max) bytes.")
            }
            return s
        }
        let name = try text("name", required: true, max: 64) ?? ""
        let slug = try text("slug", required: false, max: 50)
        let platform = try text("platform", required: false, max: 64)
        do {
            let (project, _) = try ProjectCreation.create(name: name, slug: slug, platform: platform, in: organization,
                                                          store: store)
            return HTTPResponse.json(Self.project(project, in: organization), status: .created)
        } catch ProjectCreation.Failure.emptySlug {
            throw APIError.badRequest("The project needs a name (or slug) with a letter or digit.")
        } catch ProjectCreation.Failure.slugTaken {
            throw APIError.conflict("A project with this slug already exists.")
        }
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
}
