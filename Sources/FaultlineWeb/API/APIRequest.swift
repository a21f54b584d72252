import HTTPServer
import SentryProtocol

extension HTTPRequest {
    /// Where this server is, as the client reached it: the base of `permalink`s and `Link` headers.
    /// A `Host` that is not a plain host name, address and port is replaced by `localhost`: it goes into `Link` headers
    /// and permalinks, where `<`, `>`, quotes or spaces would change their meaning.
    var baseURL: String {
        guard let host = headers["Host"], !host.isEmpty, host.utf8.count <= 255, host.utf8.allSatisfy(Self.isHostByte) else {
            return "http://localhost"
        }
        return "http://\(host)"
    }

    private static func isHostByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: ":"), UInt8(ascii: "["), UInt8(ascii: "]"):
            true
        default:
            false
        }
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
