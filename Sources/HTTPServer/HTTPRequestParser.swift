/// The head of a request: everything before the body.
public struct HTTPRequestHead: Sendable {
    public var method: String
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    /// The client sent `Expect: 100-continue` and waits for a go-ahead before the body.
    public var expectsContinue: Bool {
        headers["Expect"].map { $0.trimmingASCIISpaces().lowercased() == "100-continue" } ?? false
    }
}

/// Why a request could not be parsed; the connection answers with `status` and closes.
public struct HTTPParseError: Error, Equatable, CustomStringConvertible {
    public let status: HTTPStatus
    public let detail: String

    init(_ status: HTTPStatus, _ detail: String) {
        self.status = status
        self.detail = detail
    }

    public var description: String { "\(status.code): \(detail)" }
}

/// A push parser for HTTP/1.1 requests (RFC 9112). Feed it the unconsumed bytes of a connection; it
/// reports how many it consumed and, when one is complete, the head or the whole request.
/// Head and line-based parts are consumed only once complete, so the caller keeps the unconsumed tail.
public struct HTTPRequestParser {
    public struct Limits: Sendable {
        /// Longest request line (method, target, version). Default 8 KiB; longer is 414.
        public var maxRequestLineBytes = 8 * 1024
        /// Longest head (request line plus headers). Default 64 KiB; longer is 431.
        public var maxHeaderBytes = 64 * 1024
        /// Most header fields. Default 100; more is 431.
        public var maxHeaderCount = 100
        /// Largest body after de-chunking. Default 20 MiB (Relay's request limit); larger is 413.
        public var maxBodyBytes = 20 * 1024 * 1024

        public init() {}
    }

    public enum Event {
        /// The head is complete and the body is about to be read (sent once per request, before `.request`).
        case head(HTTPRequestHead)
        /// The whole request, body included.
        case request(HTTPRequest)
    }

    private enum State {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int)
    }

    public let limits: Limits
    private var state = State.head
    private var head: HTTPRequestHead?
    private var body: [UInt8] = []
    /// How far the current head has been searched for its end, so a slow client costs O(n), not O(n²).
    private var headScanned = 0
    private var headPending = false

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// True between the first byte of a request and its completion.
    public var isMidRequest: Bool {
        if case .head = state { return headScanned > 0 }
        return true
    }

    public var isReadingBody: Bool {
        if case .head = state { return false }
        return true
    }

    /// Parses from `input`; returns the bytes consumed and at most one event.
    public mutating func parse(_ input: UnsafeRawBufferPointer) throws(HTTPParseError) -> (consumed: Int, event: Event?) {
        var offset = 0
        if headPending {
            // The head event was delivered; now decide how the body is framed.
            headPending = false
            if let event = try startBody() { return (0, event) }
        }
        while true {
            switch state {
            case .head:
                guard let (length, parsed) = try parseHead(input) else { return (offset, nil) }
                offset += length
                head = parsed
                headPending = true
                return (offset, .head(parsed))

            case .fixedBody(let remaining):
                let n = min(remaining, input.count - offset)
                if n > 0 { body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[offset..<(offset + n)])) }
                offset += n
                if remaining - n == 0 { return (offset, .request(finish())) }
                state = .fixedBody(remaining: remaining - n)
                return (offset, nil)

            case .chunkSize:
                guard let lineEnd = Self.findLF(input, from: offset) else {
                    if input.count - offset > 1024 { throw HTTPParseError(.badRequest, "chunk size line too long") }
                    return (offset, nil)
                }
                let size = try Self.parseChunkSize(UnsafeRawBufferPointer(rebasing: input[offset..<lineEnd]))
                offset = lineEnd + 1
                if size == 0 {
                    state = .trailers(bytes: 0)
                } else {
                    guard body.count + size <= limits.maxBodyBytes else {
                        throw HTTPParseError(.payloadTooLarge, "request body exceeds \(limits.maxBodyBytes) bytes")
                    }
                    state = .chunkData(remaining: size)
                }

            case .chunkData(let remaining):
                let n = min(remaining, input.count - offset)
                if n > 0 { body.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[offset..<(offset + n)])) }
                offset += n
                if remaining - n > 0 {
                    state = .chunkData(remaining: remaining - n)
                    return (offset, nil)
                }
                state = .chunkDataEnd

            case .chunkDataEnd:
                guard offset < input.count else { return (offset, nil) }
                if input[offset] == UInt8(ascii: "\n") {
                    offset += 1
                } else if input[offset] == UInt8(ascii: "\r") {
                    guard offset + 1 < input.count else { return (offset, nil) }
                    guard input[offset + 1] == UInt8(ascii: "\n") else {
                        throw HTTPParseError(.badRequest, "chunk data not followed by CRLF")
                    }
                    offset += 2
                } else {
                    throw HTTPParseError(.badRequest, "chunk data longer than its declared size")
                }
                state = .chunkSize

            case .trailers(let bytes):
                guard let lineEnd = Self.findLF(input, from: offset) else {
                    if bytes + input.count - offset > limits.maxHeaderBytes {
                        throw HTTPParseError(.headersTooLarge, "trailer section too large")
                    }
                    return (offset, nil)
                }
                let lineLength = lineEnd - offset
                offset = lineEnd + 1
                if lineLength == 0 || (lineLength == 1 && input[lineEnd - 1] == UInt8(ascii: "\r")) {
                    return (offset, .request(finish()))
                }
                // Trailer fields are read and discarded: nothing here depends on them.
                guard bytes + lineLength + 1 <= limits.maxHeaderBytes else {
                    throw HTTPParseError(.headersTooLarge, "trailer section too large")
                }
                state = .trailers(bytes: bytes + lineLength + 1)
            }
        }
    }

    private mutating func finish() -> HTTPRequest {
        let h = head ?? HTTPRequestHead(method: "GET", target: "/", version: .http11, headers: HTTPHeaders())
        let request = HTTPRequest(method: h.method, target: h.target, version: h.version, headers: h.headers, body: body)
        body = []
        head = nil
        state = .head
        headScanned = 0
        return request
    }

    /// Decides body framing from the head (RFC 9112 §6.3); returns the request at once when it has no body.
    private mutating func startBody() throws(HTTPParseError) -> Event? {
        guard let head else { return nil }
        // The common request: one plain Content-Length and no Transfer-Encoding, read without building arrays.
        var lengthFields = 0
        var lengthValue: String?
        var hasTransferEncoding = false
        for field in head.headers.fields {
            if field.name.equalsIgnoringASCIICase("Content-Length") {
                lengthFields += 1
                lengthValue = field.value
            } else if field.name.equalsIgnoringASCIICase("Transfer-Encoding") {
                hasTransferEncoding = true
            }
        }
        if !hasTransferEncoding, lengthFields == 1, let text = lengthValue, !text.isEmpty, text.utf8.count <= 18,
           text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let parsed = Int(text) {
            return try expectBody(length: parsed)
        }
        let transferEncodings = head.headers.values(for: "Transfer-Encoding")
        let lengths = head.headers.values(for: "Content-Length")
        if !transferEncodings.isEmpty {
            // RFC 9112 §6.1: a message with both is a smuggling attempt or a broken proxy.
            guard lengths.isEmpty else {
                throw HTTPParseError(.badRequest, "both Content-Length and Transfer-Encoding present")
            }
            let codings = transferEncodings.joined(separator: ",").split(separator: ",")
                .map { $0.trimmingASCIISpaces().lowercased() }
            guard codings.last == "chunked" else {
                throw HTTPParseError(.badRequest, "Transfer-Encoding must end with chunked")
            }
            guard codings.count == 1 else {
                throw HTTPParseError(.notImplemented, "unsupported Transfer-Encoding \(codings.joined(separator: ", "))")
            }
            state = .chunkSize
            return nil
        }
        var length = 0
        if let first = lengths.first {
            // Repeated identical values are allowed (RFC 9112 §6.3 item 5); anything else is fatal.
            let values = lengths.joined(separator: ",").split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingASCIISpaces() }
            guard let firstValue = values.first, values.allSatisfy({ $0 == firstValue }),
                  !firstValue.isEmpty, firstValue.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  firstValue.utf8.count <= 18, let parsed = Int(firstValue) else {
                throw HTTPParseError(.badRequest, "invalid Content-Length '\(first.prefix(40))'")
            }
            length = parsed
        }
        return try expectBody(length: length)
    }

    /// A body of `length` bytes follows the head (none: the request is complete).
    private mutating func expectBody(length: Int) throws(HTTPParseError) -> Event? {
        guard length <= limits.maxBodyBytes else {
            throw HTTPParseError(.payloadTooLarge, "request body exceeds \(limits.maxBodyBytes) bytes")
        }
        if length == 0 { return .request(finish()) }
        body.reserveCapacity(length)
        state = .fixedBody(remaining: length)
        return nil
    }

    /// Finds a complete head; nil when more bytes are needed.
    private mutating func parseHead(_ input: UnsafeRawBufferPointer) throws(HTTPParseError) -> (Int, HTTPRequestHead)? {
        // RFC 9112 §2.2: ignore empty lines before the request line.
        var start = 0
        while start < input.count, input[start] == UInt8(ascii: "\r") || input[start] == UInt8(ascii: "\n") {
            start += 1
            if start > 64 { throw HTTPParseError(.badRequest, "too many empty lines before the request") }
        }
        if start == input.count { return nil }
        var i = max(start, headScanned)
        var end = -1
        while i < input.count {
            if input[i] == UInt8(ascii: "\n") {
                if i + 1 < input.count, input[i + 1] == UInt8(ascii: "\n") { end = i + 2; break }
                if i + 2 < input.count, input[i + 1] == UInt8(ascii: "\r"), input[i + 2] == UInt8(ascii: "\n") {
                    end = i + 3; break
                }
            }
            i += 1
        }
        if end < 0 {
            // Back off two bytes so a terminator split across reads is still found.
            headScanned = max(start, input.count - 2)
            if headScanned == start { headScanned = start + 1 }
            if Self.findLF(input, from: start) == nil, input.count - start > limits.maxRequestLineBytes {
                throw HTTPParseError(.uriTooLong, "request line exceeds \(limits.maxRequestLineBytes) bytes")
            }
            if input.count - start > limits.maxHeaderBytes {
                throw HTTPParseError(.headersTooLarge, "request head exceeds \(limits.maxHeaderBytes) bytes")
            }
            return nil
        }
        if end - start > limits.maxHeaderBytes {
            throw HTTPParseError(.headersTooLarge, "request head exceeds \(limits.maxHeaderBytes) bytes")
        }
        let head = try Self.parseHeadLines(UnsafeRawBufferPointer(rebasing: input[start..<end]), limits: limits)
        return (end, head)
    }

    static func parseHeadLines(_ bytes: UnsafeRawBufferPointer, limits: Limits) throws(HTTPParseError) -> HTTPRequestHead {
        // Reserved: growing these arrays from empty cost several reallocations on every request.
        var lines: [UnsafeRawBufferPointer] = []
        lines.reserveCapacity(16)
        var lineStart = 0
        for i in 0..<bytes.count where bytes[i] == UInt8(ascii: "\n") {
            var lineEnd = i
            if lineEnd > lineStart, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            lines.append(UnsafeRawBufferPointer(rebasing: bytes[lineStart..<lineEnd]))
            lineStart = i + 1
        }
        guard let requestLine = lines.first else { throw HTTPParseError(.badRequest, "missing request line") }
        guard requestLine.count <= limits.maxRequestLineBytes else {
            throw HTTPParseError(.uriTooLong, "request line exceeds \(limits.maxRequestLineBytes) bytes")
        }
        let parts = requestLine.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw HTTPParseError(.badRequest, "malformed request line")
        }
        guard parts[0].allSatisfy(isTokenByte) else { throw HTTPParseError(.badRequest, "invalid method") }
        guard parts[1].allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw HTTPParseError(.badRequest, "invalid request target")
        }
        let version: HTTPVersion
        switch String(decoding: parts[2], as: UTF8.self) {
        case "HTTP/1.1": version = .http11
        case "HTTP/1.0": version = .http10
        default:
            if parts[2].starts(with: Array("HTTP/".utf8)) {
                throw HTTPParseError(.versionNotSupported, "only HTTP/1.0 and HTTP/1.1 are supported")
            }
            throw HTTPParseError(.badRequest, "malformed HTTP version")
        }
        let headerLines = lines.dropFirst()
        guard headerLines.count(where: { !$0.isEmpty }) <= limits.maxHeaderCount else {
            throw HTTPParseError(.headersTooLarge, "more than \(limits.maxHeaderCount) header fields")
        }
        var headers = HTTPHeaders()
        headers.reserveCapacity(headerLines.count)
        for line in headerLines where !line.isEmpty {
            // RFC 9112 §5.2: obsolete line folding is rejected.
            guard line[0] != UInt8(ascii: " "), line[0] != UInt8(ascii: "\t") else {
                throw HTTPParseError(.badRequest, "obsolete header line folding")
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > 0 else {
                throw HTTPParseError(.badRequest, "malformed header line")
            }
            let name = UnsafeRawBufferPointer(rebasing: line[0..<colon])
            guard name.allSatisfy(isTokenByte) else { throw HTTPParseError(.badRequest, "invalid header name") }
            var valueStart = colon + 1
            var valueEnd = line.count
            while valueStart < valueEnd, line[valueStart] == 32 || line[valueStart] == 9 { valueStart += 1 }
            while valueEnd > valueStart, line[valueEnd - 1] == 32 || line[valueEnd - 1] == 9 { valueEnd -= 1 }
            let value = UnsafeRawBufferPointer(rebasing: line[valueStart..<valueEnd])
            guard !value.contains(where: { $0 == 0 || $0 == 13 || $0 == 10 }) else {
                throw HTTPParseError(.badRequest, "invalid byte in header value")
            }
            headers.add(String(decoding: name, as: UTF8.self), String(decoding: value, as: UTF8.self))
        }
        if version == .http11 && !headers.contains("Host") {
            // RFC 9112 §3.2 says 400, but several SDK transports omit Host behind proxies; be lenient.
        }
        return HTTPRequestHead(method: String(decoding: parts[0], as: UTF8.self),
                               target: String(decoding: parts[1], as: UTF8.self),
                               version: version, headers: headers)
    }

    static func parseChunkSize(_ line: UnsafeRawBufferPointer) throws(HTTPParseError) -> Int {
        var size = 0
        var digits = 0
        for byte in line {
            if byte == UInt8(ascii: ";") || byte == UInt8(ascii: "\r") || byte == 32 || byte == 9 { break }
            guard let v = hexValue(byte) else { throw HTTPParseError(.badRequest, "invalid chunk size") }
            digits += 1
            guard digits <= 15 else { throw HTTPParseError(.payloadTooLarge, "chunk size too large") }
            size = size << 4 | Int(v)
        }
        guard digits > 0 else { throw HTTPParseError(.badRequest, "missing chunk size") }
        return size
    }

    static func findLF(_ input: UnsafeRawBufferPointer, from: Int) -> Int? {
        var i = from
        while i < input.count {
            if input[i] == UInt8(ascii: "\n") { return i }
            i += 1
        }
        return nil
    }
}

/// RFC 9110 §5.6.2 tchar.
@inline(__always)
func isTokenByte(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
        return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
         UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
         UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
        return true
    default:
        return false
    }
}
