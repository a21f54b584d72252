import ContentCoding
import FaultlineCore
import HTTPServer
import SentryProtocol

/// Errors of the web API (`/api/0/`).
enum APIError: Error {
    case unauthorized(String)
    case forbidden(String)
    case notFound(String)
    case badRequest(String)
    /// The request clashes with what exists (a taken slug).
    case conflict(String)
    /// The body is not in a form this route takes.
    case unsupportedMediaType(String)
    /// Too many attempts (logins); the client may try again after `retryAfter` seconds.
    case tooManyRequests(String, retryAfter: Int)
}

/// Every error → status mapping in one place, with the reason for each (Relay `BadStoreRequest`).
/// Bodies are JSON `{"detail": "…"}`; details name the problem, never the payload.
enum ErrorResponses {
    static func status(for error: IngestError) -> HTTPStatus {
        switch error {
        case .invalidProjectID: .badRequest
        // No credentials, or a key we do not know: the client must authenticate.
        case .unknownKey, .protocol(.missingAuth), .protocol(.invalidAuth): .unauthorized
        // Known key that may not send here: Relay answers 403 (EventRejected).
        case .disabledKey, .projectMismatch: .forbidden
        case .protocol(.multipleAuth), .protocol(.emptyBody), .protocol(.invalidEnvelope), .protocol(.invalidJSON),
             .protocol(.invalidEventID):
            .badRequest
        case .protocol(.itemTooLarge), .body(.tooLarge): .payloadTooLarge
        case .body(.corrupt): .badRequest
        // Relay's answer to a used-up quota; SDKs back off for `Retry-After` / `X-Sentry-Rate-Limits`.
        case .rateLimited: .tooManyRequests
        // Our fault and temporary: SDKs retry or record a loss; Relay answers 503 the same way.
        case .storage: .serviceUnavailable
        }
    }

    static func status(for error: APIError) -> (HTTPStatus, String) {
        switch error {
        case .unauthorized(let d): (.unauthorized, d)
        case .forbidden(let d): (.forbidden, d)
        case .notFound(let d): (.notFound, d)
        case .badRequest(let d): (.badRequest, d)
        case .conflict(let d): (.conflict, d)
        case .unsupportedMediaType(let d): (.unsupportedMediaType, d)
        case .tooManyRequests(let d, _): (.tooManyRequests, d)
        }
    }

    /// A failure below the API (the store's, or the database's own): never its text, which may name SQL or paths.
    /// All are temporary from the client's side except a missing resource.
    static func response(forInternal error: any Error) -> HTTPResponse {
        switch error {
        case StoreError.missing:
            return json(.notFound, "The requested resource does not exist.")
        case StoreError.closing:
            return withRetry(json(.serviceUnavailable, "The server is shutting down; try again in a moment."))
        case _ where StoreError.isStorageFailure(error):
            // Busy, locked, full or damaged: the operator's log says which; the client can only retry.
            return withRetry(json(.serviceUnavailable, "The database is unavailable right now; try again later."))
        default:
            return json(.internalServerError, "Internal server error.")
        }
    }

    private static func withRetry(_ response: HTTPResponse) -> HTTPResponse {
        var response = response
        response.headers.add("Retry-After", "5")
        return response
    }

    static func json(_ status: HTTPStatus, _ detail: String) -> HTTPResponse {
        var writer = JSONWriter()
        writer.raw("{\"detail\":")
        writer.string(detail)
        writer.raw("}")
        return HTTPResponse(status: status, headers: jsonHeaders, body: writer.bytes)
    }

    /// Error bodies are JSON, never sniffed as anything else (the server's own 400s go out without `WebApp`).
    private static let jsonHeaders = HTTPHeaders([("Content-Type", "application/json")] + SecurityHeaders.fields)

    static func response(for error: IngestError) -> HTTPResponse {
        var response = json(status(for: error), error.description)
        if case .rateLimited(let seconds) = error {
            response.headers.add("Retry-After", String(seconds))
            // Relay's form: retry_after:categories:scope:reason_code.
            response.headers.add("X-Sentry-Rate-Limits", "\(seconds):error;default:key:key_quota")
        }
        return response
    }

    /// A search the core refused: the client's to fix; the detail names the position, never the term.
    static func response(for invalid: IssueSearch.Invalid) -> HTTPResponse {
        json(.badRequest, invalid.detail)
    }

    static func response(for error: APIError) -> HTTPResponse {
        let (status, detail) = status(for: error)
        var response = json(status, detail)
        if case .tooManyRequests(_, let seconds) = error { response.headers.add("Retry-After", String(seconds)) }
        return response
    }
}
