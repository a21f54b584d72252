import Logging

extension HTTPServer {
    public struct Configuration: Sendable {
        /// Addresses to listen on; IPv4 ("127.0.0.1:9000") or IPv6 ("[::1]:9000"). Port 0 picks a free port.
        public var listen: [SocketAddress]
        public var limits = Limits()
        public var timeouts = Timeouts()
        /// Builds the body of responses the server writes itself (400, 408, 413, 414, 431, 503).
        /// The default is JSON `{"detail": "…"}`.
        public var errorResponse: @Sendable (HTTPStatus, String) -> HTTPResponse = HTTPServer.defaultErrorResponse
        /// Event-loop threads; each owns its connections and runs their handlers. Default: one per core (≤ 8).
        /// Handlers run on these threads, so a handler that blocks for long holds its loop's connections.
        public var eventLoops: Int? = nil

        public init(listen: [SocketAddress]) {
            self.listen = listen
        }
    }

    public struct Limits: Sendable {
        /// Request-parsing limits: request line 8 KiB (414), head 64 KiB and 100 fields (431), body 20 MiB (413).
        public var request = HTTPRequestParser.Limits()
        /// Open connections. Default 4096; at the cap the server stops accepting until one closes.
        public var maxConnections = 4096
        /// Bytes of pipelined input buffered while a request is being handled. Default 1 MiB;
        /// past it the server stops reading from that connection until it has answered.
        public var maxPipelinedBytes = 1024 * 1024
        /// listen(2) backlog. Default 1024, as Relay.
        public var backlog: Int32 = 1024

        public init() {}
    }

    public struct Timeouts: Sendable {
        /// From a request's first byte until its head is complete. Default 10 s; then 408 and close.
        public var head: Duration = .seconds(10)
        /// Longest gap between body bytes. Default 15 s; then 408 and close.
        public var bodyProgress: Duration = .seconds(15)
        /// An idle keep-alive connection is closed after this. Default 30 s.
        public var keepAliveIdle: Duration = .seconds(30)
        /// Longest gap in a peer's reading of a response. Default 15 s; then close.
        public var writeProgress: Duration = .seconds(15)
        /// After an error response, how long unread request bytes are drained before closing, so the client
        /// reads the response instead of a reset (nginx's lingering close). Default 2 s.
        public var linger: Duration = .seconds(2)
        /// How long shutdown waits for in-flight requests. Default 10 s.
        public var shutdownGrace: Duration = .seconds(10)
        /// How often deadlines are checked. Default 250 ms.
        public var sweepInterval: Duration = .milliseconds(250)

        public init() {}
    }

    @Sendable
    public static func defaultErrorResponse(_ status: HTTPStatus, _ detail: String) -> HTTPResponse {
        var escaped = ""
        for scalar in detail.unicodeScalars {
            switch scalar {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case _ where scalar.value < 0x20: escaped += "\\u" + String(format04x(scalar.value))
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return HTTPResponse(status: status, contentType: "application/json",
                            body: Array("{\"detail\":\"\(escaped)\"}".utf8))
    }
}

private func format04x(_ v: UInt32) -> String {
    let hex = String(v, radix: 16)
    return String(repeating: "0", count: max(0, 4 - hex.count)) + hex
}
