import Foundation
import Logging
import Testing
@testable import HTTPServer

/// A real server on 127.0.0.1:0 and raw sockets.
@Suite(.serialized) struct HTTPServerTests {
    static func makeServer(_ configure: (inout HTTPServer.Configuration) -> Void = { _ in },
                           handler: any HTTPHandler = ClosureHTTPHandler { req, responder in
                               responder.send(HTTPResponse(status: .ok, contentType: "text/plain", body: Array("echo:\(req.body.count)".utf8)))
                           }) throws -> HTTPServer {
        var config = HTTPServer.Configuration(listen: [try SocketAddress(parsing: "127.0.0.1:0")])
        config.timeouts.sweepInterval = .milliseconds(20)
        configure(&config)
        let server = HTTPServer(configuration: config, handler: handler, logger: Logger(label: "test"))
        try server.start()
        return server
    }

    static func exchange(_ port: Int, _ bytes: String, shutdownWrite: Bool = false) throws -> String {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        #expect(rc == 0)
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = Array(bytes.utf8).withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if shutdownWrite { shutdown(fd, Int32(SHUT_WR)) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    @Test func keepAliveAndPipelining() throws {
        let server = try Self.makeServer()
        defer { server.shutdown() }
        let reply = try Self.exchange(server.port,
            "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n\r\nGET /c HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(reply.components(separatedBy: "HTTP/1.1 200 OK").count == 4)
        #expect(reply.contains("echo:3"))
        #expect(reply.hasSuffix("echo:0"))
    }

    @Test func asynchronousAnswersStayInOrder() throws {
        // The first request is answered last in wall time; responses must still come out in request order.
        let server = try Self.makeServer(handler: ClosureHTTPHandler { req, responder in
            let delay = req.path == "/slow" ? 0.2 : 0
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) {
                responder.send(HTTPResponse(status: .ok, contentType: "text/plain", body: Array(String(req.path).utf8)))
            }
        })
        defer { server.shutdown() }
        let reply = try Self.exchange(server.port, "GET /slow HTTP/1.1\r\n\r\nGET /fast HTTP/1.1\r\nConnection: close\r\n\r\n")
        let slow = try #require(reply.range(of: "/slow"))
        let fast = try #require(reply.range(of: "/fast"))
        #expect(slow.lowerBound < fast.lowerBound)
    }

    @Test func headOmitsBody() throws {
        let server = try Self.makeServer()
        defer { server.shutdown() }
        let reply = try Self.exchange(server.port, "HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(reply.contains("Content-Length: 6"))
        #expect(reply.hasSuffix("\r\n\r\n"))
    }

    @Test func malformedRequestGets400AndClose() throws {
        let server = try Self.makeServer()
        defer { server.shutdown() }
        let reply = try Self.exchange(server.port, "NOT HTTP\r\n\r\n")
        #expect(reply.hasPrefix("HTTP/1.1 400"))
        #expect(reply.contains("Connection: close"))
        #expect(reply.contains("\"detail\""))
    }

    @Test func headerDeadlineSends408() throws {
        let server = try Self.makeServer { $0.timeouts.head = .milliseconds(200) }
        defer { server.shutdown() }
        let started = Date()
        let reply = try Self.exchange(server.port, "GET / HTTP/1.1\r\nHost")
        #expect(reply.hasPrefix("HTTP/1.1 408"))
        #expect(Date().timeIntervalSince(started) < 3)
    }

    @Test func connectionCapPausesAccept() throws {
        let server = try Self.makeServer { $0.limits.maxConnections = 2; $0.timeouts.keepAliveIdle = .milliseconds(300) }
        defer { server.shutdown() }
        // Two idle connections fill the cap; a third is accepted only once the idle ones are reaped.
        let idle = (0..<2).map { _ in socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0) }
        for fd in idle {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = UInt16(server.port).bigEndian
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            _ = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        Thread.sleep(forTimeInterval: 0.1)
        #expect(server.connectionCount == 2)
        // Without the cap this would be answered in about a millisecond; with it, only after the idle
        // connections are reaped (300 ms after they opened).
        let started = Date()
        let reply = try Self.exchange(server.port, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(reply.hasPrefix("HTTP/1.1 200"))
        #expect(Date().timeIntervalSince(started) > 0.1)
        idle.forEach { close($0) }
    }

    @Test func shutdownWaitsForInFlightRequest() throws {
        let server = try Self.makeServer(handler: ClosureHTTPHandler { _, responder in
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
                responder.send(HTTPResponse(status: .ok, contentType: "text/plain", body: Array("late".utf8)))
            }
        })
        let port = server.port
        nonisolated(unsafe) var reply = ""
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            reply = (try? Self.exchange(port, "GET / HTTP/1.1\r\n\r\n")) ?? ""
            done.signal()
        }
        Thread.sleep(forTimeInterval: 0.1)
        server.shutdown()
        done.wait()
        #expect(reply.hasPrefix("HTTP/1.1 200"))
        #expect(reply.contains("Connection: close"))
        #expect(reply.hasSuffix("late"))
    }
}
