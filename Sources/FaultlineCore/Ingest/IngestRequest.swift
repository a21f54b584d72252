/// What ingest needs from an HTTP request, free of HTTP types.
public struct IngestRequest: Sendable {
    public enum Endpoint: Sendable {
        case envelope
        case store
    }

    public var endpoint: Endpoint
    /// The `{project_id}` path segment, or nil for the legacy `/api/store/`.
    public var projectID: String?
    public var contentType: String?
    public var contentEncoding: String?
    public var xSentryAuth: String?
    public var authorization: String?
    public var query: [(name: String, value: String)]
    public var body: [UInt8]

    public init(endpoint: Endpoint, projectID: String?, contentType: String? = nil, contentEncoding: String? = nil,
                xSentryAuth: String? = nil, authorization: String? = nil,
                query: [(name: String, value: String)] = [], body: [UInt8]) {
        self.endpoint = endpoint
        self.projectID = projectID
        self.contentType = contentType
        self.contentEncoding = contentEncoding
        self.xSentryAuth = xSentryAuth
        self.authorization = authorization
        self.query = query
        self.body = body
    }

    /// `/store/` takes an envelope when the content type says so (Relay `store.rs`).
    var isEnvelope: Bool {
        if endpoint == .envelope { return true }
        return contentType?.lowercased().hasPrefix("application/x-sentry-envelope") ?? false
    }
}
