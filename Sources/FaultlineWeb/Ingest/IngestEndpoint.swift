import FaultlineCore
import HTTPServer
import SentryProtocol

/// `POST /api/{project_id}/envelope/`, `POST /api/{project_id}/store/`, `POST /api/store/`, and their
/// CORS preflights. Answers 200 only after the commit.
struct IngestEndpoint: Sendable {
    let service: IngestService

    /// Relay's CORS policy (`middlewares/cors.rs`), so browser SDKs can post from any origin.
    static let corsHeaders: [(String, String)] = [
        ("Access-Control-Allow-Origin", "*"),
        ("Access-Control-Expose-Headers", "x-sentry-error, x-sentry-rate-limits, retry-after"),
    ]

    static let acceptedHeaders = HTTPHeaders([("Content-Type", "application/json")] + corsHeaders + SecurityHeaders.fields)
    static let idPrefix = Array("{\"id\":\"".utf8)
    static let idSuffix = Array("\"}".utf8)
    static let emptyObject = Array("{}".utf8)

    static let preflightHeaders: [(String, String)] = corsHeaders + [
        ("Access-Control-Allow-Methods", "POST, OPTIONS"),
        ("Access-Control-Allow-Headers", "x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, "
            + "content-type, authentication, authorization, content-encoding, transfer-encoding, sentry-trace, baggage"),
        ("Access-Control-Max-Age", "3600"),
    ]

    static let preflightResponseHeaders = HTTPHeaders(preflightHeaders + SecurityHeaders.fields)

    func preflight(_ request: HTTPRequest, respond: @escaping @Sendable (HTTPResponse) -> Void) {
        respond(HTTPResponse(status: .ok, headers: Self.preflightResponseHeaders))
    }

    func handle(_ request: HTTPRequest, endpoint: IngestRequest.Endpoint, projectID: String?,
                respond: @escaping @Sendable (HTTPResponse) -> Void) {
        let ingestRequest = IngestRequest(
            endpoint: endpoint, projectID: projectID,
            contentType: request.headers["Content-Type"], contentEncoding: request.headers["Content-Encoding"],
            xSentryAuth: request.headers["X-Sentry-Auth"], authorization: request.headers["Authorization"],
            query: request.queryItems, body: request.body)
        service.ingest(ingestRequest) { result in
            var response: HTTPResponse
            switch result {
            case .success(let accepted):
                var body: [UInt8] = []
                body.reserveCapacity(40)
                if let id = accepted.eventID {
                    body += Self.idPrefix
                    id.appendHex(to: &body)
                    body += Self.idSuffix
                } else {
                    body += Self.emptyObject
                }
                // Every accepted request answers with these headers; sharing one array saves building it.
                response = HTTPResponse(status: .ok, headers: Self.acceptedHeaders, body: body)
            case .failure(let error):
                response = ErrorResponses.response(for: error)
                // The description is fixed text (`ProtocolError` holds no request data); the writer drops any
                // header that could still break a line.
                response.headers.add("X-Sentry-Error", error.description)
                for (name, value) in Self.corsHeaders { response.headers.add(name, value) }
            }
            respond(response)
        }
    }
}
