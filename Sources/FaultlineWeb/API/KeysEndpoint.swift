import FaultlineCore
import HTTPServer
import SentryProtocol

/// A project's DSN keys (`GET/POST /api/0/projects/{org}/{project}/keys/`, `PUT/DELETE …/keys/{key_id}/`), in
/// Sentry's shape. `{key_id}` is the public key, as in Sentry. Disabling or deleting a key makes ingest refuse
/// it within the key cache's 5 s; a rate limit applies within the same 5 s.
struct KeysEndpoint: Sendable {
    let store: any FaultlineStore
    let auth: APIAuthenticator

    func list(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "project:read")
        let base = try publicURL(request)
        return HTTPResponse.json(.array(try store.keys(projectID: project.id).map { Self.serialize($0, publicURL: base) }))
    }

    func create(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "project:write")
        let body = request.body.isEmpty ? nil : try request.jsonObjectBody()
        let limit = try body?["rateLimit"].map(Self.rateLimit) ?? nil
        var key = try store.createKey(projectID: project.id, label: try Self.name(body) ?? "Default")
        if let limit {
            try store.setKeyRateLimit(id: key.id, limit)
            key.rateLimit = limit
        }
        return HTTPResponse.json(Self.serialize(key, publicURL: try publicURL(request)), status: .created)
    }

    func update(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "project:write")
        let key = try self.key(project, p)
        let body = try request.jsonObjectBody()
        var active: Bool?
        if let value = body["isActive"], !value.isNull {
            guard let flag = value.bool else { throw APIError.badRequest("'isActive' must be true or false.") }
            active = flag
        }
        let name = try Self.name(body)
        if let name { try store.renameKey(id: key.id, label: name) }
        if let active { try store.setKeyActive(id: key.id, active: active) }
        if let value = body["rateLimit"] { try store.setKeyRateLimit(id: key.id, try Self.rateLimit(value)) }
        guard let updated = try store.keys(projectID: project.id).first(where: { $0.id == key.id }) else {
            throw APIError.notFound("The requested resource does not exist.")
        }
        return HTTPResponse.json(Self.serialize(updated, publicURL: try publicURL(request)))
    }

    func delete(_ request: HTTPRequest, _ p: [String: String]) throws -> HTTPResponse {
        let project = try auth.project(request, p, scope: "project:admin")
        let key = try self.key(project, p)
        guard try store.deleteKey(id: key.id, projectID: project.id) else {
            throw APIError.notFound("The requested resource does not exist.")
        }
        return HTTPResponse(status: .noContent)
    }

    private func key(_ project: Project, _ p: [String: String]) throws -> ProjectKey {
        guard let key = try store.keys(projectID: project.id).first(where: { $0.publicKey == p["key_id"] }) else {
            throw APIError.notFound("The requested resource does not exist.")
        }
        return key
    }

    /// The URL SDKs reach this server at: the one `serve` was given (stored), else the one this request used.
    private func publicURL(_ request: HTTPRequest) throws -> String {
        try store.setting("public_url") ?? request.baseURL
    }

    /// Sentry's `{"window": seconds, "count": events}`; null (or a null count) removes the limit.
    static func rateLimit(_ value: JSONRef) throws -> ProjectKey.RateLimit? {
        if value.isNull { return nil }
        guard value.kind == .object else { throw APIError.badRequest("'rateLimit' must be {\"window\": seconds, \"count\": events} or null.") }
        if value["count"]?.isNull ?? true, value["window"]?.isNull ?? true { return nil }
        guard let window = value["window"]?.int, (1...86_400).contains(window) else {
            throw APIError.badRequest("'rateLimit.window' must be 1 to 86400 seconds.")
        }
        guard let count = value["count"]?.int, (1...1_000_000_000).contains(count) else {
            throw APIError.badRequest("'rateLimit.count' must be a positive number of events.")
        }
        return ProjectKey.RateLimit(window: window, count: count)
    }

    private static func name(_ body: JSONRef?) throws -> String? {
        guard let value = body?["name"], !value.isNull else { return nil }
        guard let text = value.string, !text.isEmpty, text.utf8.count <= 64 else {
            throw APIError.badRequest("'name' must be a string of 1 to 64 bytes.")
        }
        return text
    }

    /// Sentry's project-key fields that apply; the DSN forms of ingest routes Faultline lacks (CSP, minidump) are left out.
    static func serialize(_ key: ProjectKey, publicURL: String) -> JSONValue {
        return .object([
            ("id", .string(key.publicKey)),
            ("name", .string(key.label)),
            ("label", .string(key.label)),
            ("public", .string(key.publicKey)),
            ("secret", .string(key.secretKey)),
            ("projectId", .int(key.projectID)),
            ("isActive", .bool(key.isActive)),
            ("rateLimit", key.rateLimit.map { .object([("window", .int($0.window)), ("count", .int($0.count))]) } ?? .null),
            ("dsn", .object([("public", .string(key.dsn(publicURL: publicURL))),
                              ("secret", .string(key.dsn(publicURL: publicURL, includingSecret: true)))])),
            ("dateCreated", .string(Timestamp.format(key.createdAt))),
        ])
    }
}
