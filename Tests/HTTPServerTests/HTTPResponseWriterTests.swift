import Testing
@testable import HTTPServer

/// Whatever text a handler puts into a header, the written response has exactly the header lines it was meant to
/// have and the body it was given: no response splitting, whoever built the response.
struct HTTPResponseWriterTests {
    /// A small deterministic generator (SplitMix64), so a failure reproduces from its seed.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
        /// Bytes weighted towards the dangerous ones: CR, LF, NUL, colon, space, and anything else.
        mutating func hostileBytes() -> [UInt8] {
            (0..<int(0...40)).map { _ in
                switch int(0...9) {
                case 0: 13
                case 1: 10
                case 2: 0
                case 3: UInt8(ascii: ":")
                case 4: UInt8(ascii: " ")
                default: UInt8(truncatingIfNeeded: next())
                }
            }
        }
    }

    /// Splits a written response into its head lines and body the way a client does.
    static func split(_ bytes: [UInt8]) -> (lines: [String], body: [UInt8])? {
        let end: [UInt8] = [13, 10, 13, 10]
        guard let at = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<($0 + 4)]) == end }) else { return nil }
        let head = String(decoding: bytes[..<at], as: UTF8.self)
        return (head.components(separatedBy: "\r\n"), Array(bytes[(at + 4)...]))
    }

    @Test func arbitraryBytesInHeaderValuesNeverAddALineOrABody() throws {
        var random = Generator(state: 17)
        for _ in 0..<5_000 {
            let value = String(decoding: random.hostileBytes(), as: UTF8.self)
            let name = String(decoding: random.hostileBytes(), as: UTF8.self)
            let body = Array("{\"detail\":\"x\"}".utf8)
            var headers = HTTPHeaders([("Content-Type", "application/json")])
            headers.add("X-Sentry-Error", value)
            headers.add(name, "fixed")
            headers.add("Link", "<http://h/?cursor=\(value)>; rel=\"next\"")
            let response = HTTPResponse(status: .unauthorized, headers: headers, body: body)
            let written = response.serialized(version: .http11, close: false, date: "Mon, 30 Nov 2026 10:00:00 GMT",
                                              omitBody: false)
            let parsed = try #require(Self.split(written))
            #expect(parsed.body == body, "value \(Array(value.utf8)) changed the body")
            // Status line, Content-Type, at most the three added fields, Content-Length, Date, Server.
            #expect(parsed.lines.count <= 8)
            for line in parsed.lines.dropFirst() {
                #expect(line.contains(": "), "value \(Array(value.utf8)) made a line without a name: \(line.debugDescription)")
                #expect(!line.utf8.contains(where: { $0 < 0x20 && $0 != 0x09 }))
            }
            let names = parsed.lines.dropFirst().map { $0.prefix { $0 != ":" }.lowercased() }
            #expect(names.filter { $0 == "content-length" }.count == 1)
            #expect(names.allSatisfy { ["content-type", "x-sentry-error", "link", "content-length", "date", "server",
                                        name.lowercased()].contains($0) })
        }
    }

    @Test func aValueWithALineBreakIsLeftOutAndTheRestIsKept() throws {
        var headers = HTTPHeaders()
        headers.add("X-Sentry-Error", "bad\r\nSet-Cookie: a=b\r\n\r\n<script>")
        headers.add("X-Ok", "fine\tvalue é")
        headers.add("Bad Name", "x")
        let written = HTTPResponse(status: .ok, headers: headers, body: Array("b".utf8))
            .serialized(version: .http11, close: true, date: "d", omitBody: false)
        let parsed = try #require(Self.split(written))
        #expect(parsed.lines == ["HTTP/1.1 200 OK", "X-Ok: fine\tvalue é", "Content-Length: 1", "Date: d",
                                 "Server: faultline", "Connection: close"])
        #expect(parsed.body == Array("b".utf8))
    }

    @Test func validity() {
        #expect(HTTPHeaders.isValidValue(""))
        #expect(HTTPHeaders.isValidValue("a b\tc ü"))
        #expect(!HTTPHeaders.isValidValue("a\rb"))
        #expect(!HTTPHeaders.isValidValue("a\nb"))
        #expect(!HTTPHeaders.isValidValue("a\u{0}b"))
        #expect(!HTTPHeaders.isValidValue("a\u{7F}b"))
        #expect(HTTPHeaders.isValidName("X-Sentry-Error"))
        #expect(!HTTPHeaders.isValidName(""))
        #expect(!HTTPHeaders.isValidName("X Error"))
        #expect(!HTTPHeaders.isValidName("X:Error"))
    }
}
