import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// `GET/POST/DELETE /api/0/api-tokens/` (and `DELETE …/{token_id}/`): the organization's API tokens, in Sentry's
/// shapes. A new token's value is in the creation response only; the store keeps its hash.
///
/// Who may do what: tokens are created from a logged-in session, or by a token with `org:admin`, and never with a
/// scope their creator lacks; a token made by a token is revoked with it. Anyone may revoke their own tokens (within
/// their scopes); only owners and admins revoke other people's.
struct TokensEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    func list(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try auth.authenticate(request)
        try auth.require("org:read", of: caller)
        let tokens = try store.tokens(organizationID: caller.organizationID)
        return HTTPResponse.json(.array(tokens.map { Self.serialize($0, value: nil) }))
    }

    func create(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try auth.authenticate(request)
        guard caller.isSession || caller.scopes.contains("org:admin") else {
            throw APIError.forbidden("Tokens are created from a logged-in session or with a token that has org:admin.")
        }
        let body = try request.jsonObjectBody()
        guard let requested = body["scopes"], requested.kind == .array, requested.elements.allSatisfy({ $0.kind == .string }) else {
            throw APIError.badRequest("'scopes' must be a list of scope names.")
        }
        let scopes: [String]
        switch Credentials.validScopes(requested.elements.compactMap(\.string)) {
        case .success(let valid): scopes = valid
        case .failure: throw APIError.badRequest("Invalid scopes: name only known scopes (org:read, project:write, event:admin, …).")
        }
        guard !scopes.isEmpty else { throw APIError.badRequest("'scopes' must name at least one scope.") }
        if let missing = scopes.first(where: { !caller.scopes.contains($0) }) {
            throw APIError.forbidden("A token cannot grant a scope it does not have (\(missing)).")
        }
        var name: String?
        if let value = body["name"], !value.isNull {
            guard let text = value.string, text.utf8.count <= 255 else {
                throw APIError.badRequest("'name' must be a string of at most 255 bytes.")
            }
            name = text.isEmpty ? nil : text
        }
        let value = Credentials.newToken()
        let token = try store.createToken(organizationID: caller.organizationID, hash: Credentials.hash(token: value),
                                          name: name, scopes: scopes, userID: caller.userID,
                                          parentID: caller.isSession ? nil : caller.id)
        return HTTPResponse.json(Self.serialize(token, value: value), status: .created)
    }

    /// Sentry's legacy form: `DELETE /api/0/api-tokens/` with `{"tokenId": …}` in the body.
    func revokeFromBody(_ request: HTTPRequest) throws -> HTTPResponse {
        let caller = try auth.authenticate(request)
        let body = try request.jsonObjectBody()
        let id = body["tokenId"].flatMap { $0.int ?? $0.string.flatMap { Int($0) } }
        guard let id else { throw APIError.badRequest("'tokenId' must name a token.") }
        return try revoke(id: id, by: caller)
    }

    func revoke(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let caller = try auth.authenticate(request)
        guard let id = p["token_id"].flatMap({ Int($0) }) else { throw APIError.notFound("The requested resource does not exist.") }
        return try revoke(id: id, by: caller)
    }

    private func revoke(id: Int, by caller: APIToken) throws -> HTTPResponse {
        guard let target = try store.tokens(organizationID: caller.organizationID).first(where: { $0.id == id }) else {
            throw APIError.notFound("The requested resource does not exist.")
        }
        if let missing = target.scopes.first(where: { !caller.scopes.contains($0) }) {
            throw APIError.forbidden("A token cannot revoke one with a scope it does not have (\(missing)).")
        }
        let ownToken = target.userID != nil && target.userID == caller.userID
        if !ownToken {
            let role = try caller.userID.flatMap { user in
                try store.memberships(userID: user).first { $0.organizationID == caller.organizationID }?.role
            }
            guard role == .owner || role == .admin else {
                throw APIError.forbidden("Only owners and admins revoke other people's tokens.")
            }
        }
        guard try store.revokeToken(id: id, organizationID: caller.organizationID) else {
            throw APIError.notFound("The requested resource does not exist.")
        }
        return HTTPResponse(status: .noContent)
    }

    /// Sentry's `ApiTokenSerializer` fields that Faultline has; `token` only when it was just created.
    static func serialize(_ token: APIToken, value: String?) -> JSONValue {
        var fields: [(key: String, value: JSONValue)] = [
            ("id", .string(String(token.id))),
            ("name", token.name.map(JSONValue.string) ?? .null),
            ("scopes", .array(token.scopes.map { .string($0) })),
            ("dateCreated", .string(Timestamp.format(token.createdAt))),
            ("expiresAt", .null),
        ]
        if let value { fields.append(("token", .string(value))) }
        return .object(fields)
    }
}
