import Testing
@testable import HTTPServer

/// Feeds `bytes` to a parser the way a connection does: in pieces, keeping the unconsumed tail.
private func parseAll(_ bytes: [UInt8], splitAt splits: [Int] = [], limits: HTTPRequestParser.Limits = .init())
    throws -> (heads: Int, requests: [HTTPRequest]) {
    var parser = HTTPRequestParser(limits: limits)
    var buffer: [UInt8] = []
    var heads = 0
    var requests: [HTTPRequest] = []
    var cursor = 0
    for end in splits + [bytes.count] where end >= cursor {
        buffer += bytes[cursor..<end]
        cursor = end
        while true {
            let (consumed, event) = try buffer.withUnsafeBytes { try parser.parse($0) }
            buffer.removeFirst(consumed)
            guard let event else { break }
            switch event {
            case .head: heads += 1
            case .request(let r): requests.append(r)
            }
        }
    }
    return (heads, requests)
}

@Suite struct HTTPRequestParserTests {
    static let post = Array("POST /api/1/envelope/?sentry_key=abc HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nX-Sentry-Auth: Sentry sentry_key=k\r\n\r\nhello world".utf8)
    static let chunked = Array("POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: x\r\n\r\n".utf8)

    @Test func parsesHeadAndBody() throws {
        let (heads, requests) = try parseAll(Self.post)
        #expect(heads == 1)
        let r = try #require(requests.first)
        #expect(r.method == "POST")
        #expect(r.path == "/api/1/envelope/")
        #expect(r.queryValue("sentry_key") == "abc")
        #expect(r.headers["x-sentry-auth"] == "Sentry sentry_key=k")
        #expect(r.body == Array("hello world".utf8))
    }

    @Test func splitAtEveryByteGivesTheSameRequest() throws {
        for input in [Self.post, Self.chunked] {
            for split in 0...input.count {
                let (_, requests) = try parseAll(input, splitAt: [split])
                #expect(requests.count == 1)
                #expect(requests.first?.body == Array("hello world".utf8))
            }
        }
    }

    @Test func byteByByte() throws {
        let (_, requests) = try parseAll(Self.chunked, splitAt: Array(0..<Self.chunked.count))
        #expect(requests.first?.body == Array("hello world".utf8))
    }

    @Test func pipelinedRequestsComeOutInOrder() throws {
        let three = Array("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n".utf8) + Self.post
        let (_, requests) = try parseAll(three)
        #expect(requests.map(\.target) == ["/1", "/2", "/api/1/envelope/?sentry_key=abc"])
    }

    @Test func bareLFLineEndings() throws {
        let (_, requests) = try parseAll(Array("GET /x HTTP/1.1\nHost: y\n\n".utf8))
        #expect(requests.first?.headers["host"] == "y")
    }

    @Test func forbiddenBytesInHeaderNamesAreRejected() {
        // Every byte that is not a token character must fail in a header name (NIO's 0...255 sweep).
        for byte in UInt8(0)...UInt8(255) where !isTokenByte(byte) && byte != UInt8(ascii: ":") && byte != 10 && byte != 13 {
            let input = Array("GET / HTTP/1.1\r\nX".utf8) + [byte] + Array("Y: v\r\n\r\n".utf8)
            #expect(throws: HTTPParseError.self) { try parseAll(input) }
        }
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400),
        ("GET / HTTP/1.1\r\nContent-Length: 1, 2\r\n\r\nab", 400),
        ("GET / HTTP/1.1\r\nContent-Length: +5\r\n\r\nab", 400),
        ("GET / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501),
        ("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n", 400),
        ("GET / HTTP/2.0\r\n\r\n", 505),
        ("GET /  HTTP/1.1\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\n folded\r\n\r\n", 400),
        ("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX\r\n", 400),
    ])
    func framingErrors(input: String, status: Int) {
        #expect {
            try parseAll(Array(input.utf8))
        } throws: { ($0 as? HTTPParseError)?.status.code == status }
    }

    @Test func repeatedIdenticalContentLengthIsAllowed() throws {
        let (_, requests) = try parseAll(Array("POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok".utf8))
        #expect(requests.first?.body == Array("ok".utf8))
    }

    @Test func limits() {
        var limits = HTTPRequestParser.Limits()
        limits.maxRequestLineBytes = 64
        limits.maxHeaderBytes = 256
        limits.maxHeaderCount = 3
        limits.maxBodyBytes = 10
        let longLine = Array(("GET /" + String(repeating: "a", count: 100)).utf8)
        #expect { try parseAll(longLine, limits: limits) } throws: { ($0 as? HTTPParseError)?.status.code == 414 }
        let manyHeaders = Array(("GET / HTTP/1.1\r\n" + (0..<5).map { "H\($0): v\r\n" }.joined() + "\r\n").utf8)
        #expect { try parseAll(manyHeaders, limits: limits) } throws: { ($0 as? HTTPParseError)?.status.code == 431 }
        let hugeHead = Array(("GET / HTTP/1.1\r\nH: " + String(repeating: "v", count: 300)).utf8)
        #expect { try parseAll(hugeHead, limits: limits) } throws: { ($0 as? HTTPParseError)?.status.code == 431 }
        let bigBody = Array("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\n".utf8)
        #expect { try parseAll(bigBody, limits: limits) } throws: { ($0 as? HTTPParseError)?.status.code == 413 }
        let bigChunk = Array("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nff\r\n".utf8)
        #expect { try parseAll(bigChunk, limits: limits) } throws: { ($0 as? HTTPParseError)?.status.code == 413 }
    }

    @Test func keepAliveRules() throws {
        let (_, r) = try parseAll(Array("GET / HTTP/1.0\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.1\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n".utf8))
        #expect(r.map(\.keepAlive) == [false, true, false, true])
    }

    @Test func queryDecoding() {
        let r = HTTPRequest(method: "GET", target: "/x?a=1&b=hello%20there&c=a+b&d")
        #expect(r.queryValue("b") == "hello there")
        #expect(r.queryValue("c") == "a b")
        #expect(r.queryValue("d") == "")
    }
}
