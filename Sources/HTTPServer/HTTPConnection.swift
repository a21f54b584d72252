import CEventLoop
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// One client connection: reads, parses, hands complete requests to the handler one at a time, writes.
/// What the connection is doing and what follows each event is decided by `ConnectionState` (pure, tested on its
/// own); this class does the I/O those decisions ask for.
///
/// Every mutable field is touched only on `loop`'s thread, which owns this connection; that is the invariant
/// behind `@unchecked Sendable`. Only `deadlineAt` is read elsewhere (by the sweeper), and it is an atomic.
final class HTTPConnection: EventLoopHandler, @unchecked Sendable {
    let id: Int
    let fd: Int32
    let loop: EventLoop
    /// The client's numeric address, asked once per connection (login throttling keys on it).
    private let peerHost: String?
    private unowned let server: HTTPServer
    private let deadlines: ConnectionDeadline

    private var state: ConnectionState
    /// The epoll interest as last registered, so it is changed only when the state wants another.
    private var registeredEvents: UInt32 = 0

    private var input = ByteBuffer()
    private var output: [UInt8] = []
    private var outputStart = 0
    private var parser: HTTPRequestParser

    /// True while the handler runs: an answer it gives before returning is written by `dispatch` itself,
    /// with no hop through `loop.execute` and no recursion into `processInput`.
    private var inHandle = false
    private var syncResponse: HTTPResponse?

    /// The next deadline in monotonic ns (0 = none), for the sweeper.
    let deadlineAt = Atomic<UInt64>(0)

    private static let continueBytes = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    init(id: Int, fd: Int32, server: HTTPServer, loop: EventLoop) {
        self.id = id
        self.fd = fd
        self.server = server
        self.loop = loop
        self.peerHost = Socket.peerHost(fd)
        self.deadlines = ConnectionDeadline(timeouts: server.configuration.timeouts)
        self.parser = HTTPRequestParser(limits: server.configuration.limits.request)
        self.state = ConnectionState(now: monotonicNow())
    }

    func start() {
        loop.execute { [self] in
            registeredEvents = CEL_IN
            guard loop.register(fd, self, events: registeredEvents) else {
                state.closed()
                Glibc.close(fd)
                server.connectionClosed(self)
                return
            }
            updateDeadline()
        }
    }

    func onEvents(_ events: UInt32) {
        if events & (CEL_HUP | CEL_ERR) != 0 && events & CEL_IN == 0 {
            // Both directions are gone (reset): nothing can be read or written any more.
            close()
            return
        }
        if events & CEL_OUT != 0 { onWritable() }
        if events & CEL_IN != 0 && !state.isClosed { onReadable() }
    }

    private var outputPending: Bool { outputStart < output.count }

    /// Keeps the epoll interest in step with what the state waits for.
    private func updateInterest() {
        guard !state.isClosed else { return }
        let wanted = (state.wantsInput ? CEL_IN : 0) | (outputPending ? CEL_OUT : 0)
        if wanted != registeredEvents {
            registeredEvents = wanted
            loop.modify(fd, events: wanted)
        }
    }

    private func updateDeadline() {
        deadlineAt.store(deadlines.deadline(for: state.phase)?.at ?? 0, ordering: .relaxed)
    }

    // MARK: Reading

    private func onReadable() {
        guard !state.isClosed else { return }
        var reads = 0
        var ended = false
        readLoop: while reads < 16 {
            reads += 1
            let region = input.reserveWritable(16 * 1024)
            let result: Socket.IOResult
            do {
                result = try Socket.read(fd, into: region)
            } catch {
                server.logger.debug("read failed", metadata: ["conn": "\(id)", "error": "\(error)"])
                close()
                return
            }
            switch result {
            case .bytes where state.isLingering:
                continue  // dropped: the request was already refused
            case .bytes(let n):
                input.didWrite(n)
                if state.isReadingBody { state.bodyProgressed(now: monotonicNow()) }
                if n < region.count { break readLoop }
            case .wouldBlock:
                break readLoop
            case .closed:
                ended = true
                break readLoop
            }
        }
        if !state.isLingering { processInput() }
        // After the input was parsed: a request that came with the end of input is still answered.
        if ended && !state.isClosed {
            if state.inputEnded() { close() } else { updateInterest() }
        }
    }

    private func processInput() {
        while state.acceptsRequests && !outputPending {
            let outcome: (consumed: Int, event: HTTPRequestParser.Event?)
            do {
                outcome = try input.withReadable { try parser.parse($0) }
            } catch let error as HTTPParseError {
                refuse(error.status, error.detail)
                return
            } catch {
                refuse(.badRequest, "malformed request")
                return
            }
            input.consume(outcome.consumed)
            switch outcome.event {
            case nil:
                let owesContinue = state.awaitingInput(inBody: parser.isReadingBody, midRequest: parser.isMidRequest,
                                                       now: monotonicNow())
                updateDeadline()
                input.shrinkIfEmpty(above: 64 * 1024)
                if owesContinue { write(Self.continueBytes, continueReading: false) }
                return
            case .head(let head)?:
                state.headParsed(expectsContinue: head.expectsContinue && head.version == .http11, now: monotonicNow())
            case .request(let request)?:
                dispatch(request)
            }
        }
    }

    private func dispatch(_ request: HTTPRequest) {
        var request = request
        request.remoteAddress = peerHost
        state.requestParsed(.init(keepAlive: request.keepAlive, version: request.version, isHead: request.method == "HEAD"),
                            pipelineFull: input.readableCount > server.configuration.limits.maxPipelinedBytes)
        updateInterest()
        updateDeadline()
        let responder = HTTPResponder { [self] response in
            // `inHandle` is only read on the loop thread, which owns it.
            if loop.inLoop {
                if inHandle { syncResponse = response } else { respond(response) }
            } else {
                loop.execute { self.respond(response) }
            }
        }
        inHandle = true
        server.handler.handle(request, responder: responder)
        inHandle = false
        if let response = syncResponse {
            syncResponse = nil
            respond(response, continueReading: false)
        }
    }

    // MARK: Writing

    /// Writes the handler's answer. `continueReading` is false when called from inside `processInput`'s loop,
    /// which goes on parsing by itself (no recursion per pipelined request).
    private func respond(_ response: HTTPResponse, continueReading: Bool = true) {
        guard let framing = state.answerReady(asksClose: response.headers["Connection"]?.lowercased() == "close",
                                              draining: server.isDraining, now: monotonicNow()) else { return }
        var response = response
        response.headers.remove("Connection")
        write(response.serialized(version: framing.version, close: framing.close, date: server.dateHeader(),
                                  omitBody: framing.omitBody),
              continueReading: continueReading)
    }

    /// Answers a request the server itself refuses, then lingers or closes (NIO's HTTPServerProtocolErrorHandler).
    private func refuse(_ status: HTTPStatus, _ detail: String) {
        server.logger.debug("rejecting request", metadata: ["conn": "\(id)", "status": "\(status.code)", "detail": "\(detail)"])
        state.refused(now: monotonicNow())
        updateInterest()
        updateDeadline()
        let response = server.configuration.errorResponse(status, detail)
        write(response.serialized(version: .http11, close: true, date: server.dateHeader(), omitBody: false),
              continueReading: false)
    }

    /// Sends `bytes` now, or queues them behind output still waiting for the socket; once everything has left,
    /// does what the state says follows.
    private func write(_ bytes: [UInt8], continueReading: Bool) {
        guard !state.isClosed else { return }
        if outputPending {
            output.append(contentsOf: bytes)
            return
        }
        output = bytes
        outputStart = 0
        if flush() { outputDrained(continueReading: continueReading) }
    }

    /// Writes what the socket takes. Returns true when all output has left.
    private func flush() -> Bool {
        var progressed = false
        while outputPending {
            let result: Socket.IOResult
            do {
                result = try output.withUnsafeBytes {
                    try Socket.send(fd, UnsafeRawBufferPointer(rebasing: $0[outputStart...]))
                }
            } catch {
                close()
                return false
            }
            switch result {
            case .bytes(let n):
                outputStart += n
                progressed = true
            case .wouldBlock:
                if progressed { state.outputProgressed(now: monotonicNow()) }
                updateInterest()
                updateDeadline()
                return false
            case .closed:
                close()
                return false
            }
        }
        output = []
        outputStart = 0
        return true
    }

    private func onWritable() {
        guard !state.isClosed, outputPending else { return }
        if flush() {
            updateInterest()
            outputDrained(continueReading: true)
        }
    }

    private func outputDrained(continueReading: Bool) {
        switch state.outputDrained(now: monotonicNow()) {
        case .close?:
            close()
        case .linger?:
            // Our side is done; reading on until the peer closes lets it see the refusal instead of a reset.
            Glibc.shutdown(fd, Int32(SHUT_WR))
            updateInterest()
            updateDeadline()
        case .nextRequest?:
            updateInterest()
            updateDeadline()
            if continueReading { processInput() }
        case nil:
            // A `100 Continue` left; the body is still being read.
            if continueReading { processInput() }
        }
    }

    // MARK: Lifecycle

    /// Called on shutdown: idle and lingering connections close now, busy ones after their answer.
    func drain() {
        loop.execute { [self] in
            if (state.isIdle && !parser.isMidRequest) || state.isLingering { close() }
        }
    }

    /// Called by the sweeper when the deadline may have passed.
    func checkDeadline(now: UInt64) {
        loop.execute { [self] in
            guard !state.isClosed, let action = state.expired(now: now, deadlines: deadlines) else { return }
            switch action {
            case .close:
                close()
            case .timeout:
                server.logger.debug("request timed out", metadata: ["conn": "\(id)"])
                refuse(.requestTimeout, "request not received in time")
            }
        }
    }

    /// Loop thread only. Unregisters before closing, so a reused descriptor number is never watched for this
    /// connection.
    func close() {
        guard !state.isClosed else { return }
        state.closed()
        deadlineAt.store(0, ordering: .relaxed)
        loop.unregister(fd)
        Glibc.close(fd)
        server.connectionClosed(self)
    }
}

@inline(__always)
func monotonicNow() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
