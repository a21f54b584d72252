import HTTPServer
import SentryProtocol

extension HTTPRequest {
    /// Where this server is, as the client reached it: the base of `permalink`s and `Link` headers.
    var baseURL: String {
        "http://\(headers["Host"] ?? "localhost")"
    }

    /// The body as a JSON object, or a 400 that says why not (every API write takes one).
    func jsonObjectBody() throws -> JSONRef {
        let document: JSONDocument
        do {
            document = try JSONDocument(bytes: body)
        } catch {
            throw APIError.badRequest("Request body is not valid JSON: \(error.description)")
        }
        guard document.root.kind == .object else { throw APIError.badRequest("Request body must be a JSON object.") }
        return document.root
    }
}

extension HTTPResponse {
    /// A JSON API answer.
    static func json(_ value: JSONValue, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: value.serialized)
    }
}
