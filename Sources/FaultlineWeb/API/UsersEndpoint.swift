import FaultlineCore
import HTTPServer
import SentryProtocol

/// `GET /api/0/users/me/` and `GET /api/0/organizations/{org}/members/`, in Sentry's shapes. A token acts for the
/// user who made it (the first start's token for the owner it created).
struct UsersEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    func me(_ request: HTTPRequest) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        guard let user = try token.userID.flatMap({ try store.user(id: $0) }) else {
            throw APIError.notFound("This token does not act for a user.")
        }
        return HTTPResponse.json(Self.user(user))
    }

    func members(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.requireAny(["member:read", "member:write", "member:admin", "org:read"], of: token)
        return HTTPResponse.json(.array(try store.members(organizationID: organization.id).map(Self.member)))
    }

    func member(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        let organization = try auth.organization(p["org"] ?? "", for: token)
        try auth.requireAny(["member:read", "member:write", "member:admin", "org:read"], of: token)
        let wanted = p["member_id"] ?? ""
        let members = try store.members(organizationID: organization.id)
        let found = wanted == "me" ? members.first { $0.user.id == token.userID } : members.first { String($0.id) == wanted }
        guard let found else { throw APIError.notFound("The requested resource does not exist.") }
        return HTTPResponse.json(Self.member(found))
    }

    static func user(_ u: User) -> JSONValue {
        .object([
            ("id", .string(String(u.id))),
            ("name", .string(u.name)),
            ("username", .string(u.email)),
            ("email", .string(u.email)),
            ("emails", .array([.object([("id", .string(String(u.id))), ("email", .string(u.email)), ("is_verified", .bool(true))])])),
            ("isActive", .bool(true)),
            ("hasPasswordAuth", .bool(true)),
            ("isManaged", .bool(false)),
            ("has2fa", .bool(false)),
            ("isSuperuser", .bool(false)),
            ("isStaff", .bool(false)),
            ("dateJoined", .string(Timestamp.format(u.createdAt))),
            ("lastLogin", u.lastLogin.map { .string(Timestamp.format($0)) } ?? .null),
            ("avatar", .object([("avatarType", .string("letter_avatar")), ("avatarUuid", .null)])),
        ])
    }

    static func member(_ m: Member) -> JSONValue {
        .object([
            ("id", .string(String(m.id))),
            ("email", .string(m.user.email)),
            ("name", .string(m.user.name)),
            ("user", user(m.user)),
            ("role", .string(m.role.rawValue)),
            ("orgRole", .string(m.role.rawValue)),
            ("roleName", .string(m.role.displayName)),
            ("pending", .bool(false)),
            ("expired", .bool(false)),
            ("inviteStatus", .string("approved")),
            ("dateCreated", .string(Timestamp.format(m.createdAt))),
        ])
    }
}
