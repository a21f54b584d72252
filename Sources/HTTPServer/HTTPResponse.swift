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
        // Appended as bytes into one buffer: building the head through String interpolation cost a few
        // allocations per header on every response.
        let hasBody = !omitBody && status.code >= 200 && status.code != 204 && status.code != 304
        var out: [UInt8] = []
        out.reserveCapacity(160 + headers.fields.count * 48 + (hasBody ? body.count : 0))
        func append(_ text: String) {
            var text = text
            text.withUTF8 { out.append(contentsOf: $0) }
        }
        let crlf: [UInt8] = [13, 10]
        append(version.text)
        out.append(32)
        append(String(status.code))
        out.append(32)
        append(status.reason)
        out += crlf
        for field in headers.fields where HTTPHeaders.isValidName(field.name) && HTTPHeaders.isValidValue(field.value) {
            // A field that could end the line early (CR, LF, NUL or another control byte) or is not a token name is
            // left out whole: no text can add a header line or start the body, whoever built the response.
            append(field.name)
            out += [58, 32]
            append(field.value)
            out += crlf
        }
        // 1xx and 204 carry no body and no length (RFC 9110 §8.6).
        if status.code >= 200 && status.code != 204 && !headers.contains("Content-Length") {
            append("Content-Length: ")
            append(String(body.count))
            out += crlf
        }
        if !headers.contains("Date") {
            append("Date: ")
            append(date)
            out += crlf
        }
        if !headers.contains("Server") { append("Server: faultline\r\n") }
        if close { append("Connection: close\r\n") }
        out += crlf
        if hasBody { out.append(contentsOf: body) }
        return out
    }
}
