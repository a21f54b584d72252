/// A response to write. The server adds `Content-Length`, `Date`, `Server` and `Connection`.
public struct HTTPResponse: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public init(status: HTTPStatus, contentType: String, body: [UInt8]) {
        self.init(status: status, headers: HTTPHeaders([("Content-Type", contentType)]), body: body)
    }

    /// Serializes head and body. `omitBody` is for HEAD: same headers, no bytes.
    func serialized(version: HTTPVersion, close: Bool, date: String, omitBody: Bool) -> [UInt8] {
        var head = "\(version.text) \(status.code) \(status.reason)\r\n"
        for field in headers.fields {
            head += "\(field.name): \(field.value)\r\n"
        }
        // 1xx and 204 carry no body and no length (RFC 9110 §8.6).
        if status.code >= 200 && status.code != 204 && !headers.contains("Content-Length") {
            head += "Content-Length: \(body.count)\r\n"
        }
        if !headers.contains("Date") { head += "Date: \(date)\r\n" }
        if !headers.contains("Server") { head += "Server: faultline\r\n" }
        if close { head += "Connection: close\r\n" }
        head += "\r\n"
        var out = Array(head.utf8)
        if !omitBody && status.code >= 200 && status.code != 204 && status.code != 304 {
            out.append(contentsOf: body)
        }
        return out
    }
}
