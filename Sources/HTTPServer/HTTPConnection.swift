import CEventLoop
#if canImport(Glibc)
import Glibc
#endif
import Logging
import Synchronization

/// One client connection: reads, parses, hands complete requests to the handler one at a time, writes.
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

    private var readSuspended = false
    private var awaitingWritable = false
    private var registeredEvents: UInt32 = 0

    private var input = ByteBuffer()
    private var output: [UInt8] = []
    private var outputStart = 0
    private var parser: HTTPRequestParser

    private var phase: ConnectionPhase
    private var awaitingResponse = false
    private var pendingContinue = false
    private var requestKeepAlive = true
    private var requestVersion = HTTPVersion.http11
    private var requestIsHead = false
    private var closeAfterWrite = false
    private var lingerAfterWrite = false
    private var lingering = false
    private var peerClosed = false
    private var closed = false

    /// True while the handler runs: a response it gives before returning is written by `dispatch` itself,
    /// with no hop through `loop.execute` and no recursion into `processInput`.
    private var inHandle = false
    private var syncResponse: HTTPResponse?

    /// The next deadline in monotonic ns (0 = none), for the sweeper.
    let deadlineAt = Atomic<UInt64>(0)

    init(id: Int, fd: Int32, server: HTTPServer, loop: EventLoop) {
        self.id = id
        self.fd = fd
        self.server = server
        self.loop = loop
        self.peerHost = Socket.peerHost(fd)
        self.deadlines = ConnectionDeadline(timeouts: server.configuration.timeouts)
        self.parser = HTTPRequestParser(limits: server.configuration.limits.request)
        self.phase = .idle(since: monotonicNow())
    }

    func start() {
        loop.execute { [self] in
            registeredEvents = CEL_IN
            guard loop.register(fd, self, events: registeredEvents) else {
                closed = true
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
        if events & CEL_IN != 0 && !closed { onReadable() }
    }

    /// Keeps the epoll interest in step with what the connection waits for.
    private func updateInterest() {
        guard !closed else { return }
        let wanted = (readSuspended ? 0 : CEL_IN) | (awaitingWritable ? CEL_OUT : 0)
        if wanted != registeredEvents {
            registeredEvents = wanted
            loop.modify(fd, events: wanted)
        }
    }

    // MARK: Reading

    private func onReadable() {
        guard !closed else { return }
        var reads = 0
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
            case .bytes where lingering:
                continue  // discarded: the request was already refused
            case .bytes(let n):
                input.didWrite(n)
                if case .body = phase { phase = .body(lastProgress: monotonicNow()) }
                if n < region.count { break readLoop }
            case .wouldBlock:
                break readLoop
            case .closed:
                peerClosed = true
                break readLoop
            }
        }
        if lingering {
            if peerClosed { close() }
            return
        }
        processInput()
        if peerClosed && !closed {
            // The peer finished sending. Answer what is in flight, then close; a level-triggered
            // source would otherwise fire for EOF forever.
            suspendReading()
            if awaitingResponse || outputStart < output.count {
                closeAfterWrite = true
            } else {
                close()
            }
        }
    }

    private func processInput() {
        while !closed && !awaitingResponse && outputStart >= output.count {
            if closeAfterWrite {
                // A response asked to close (sync path): everything is written, so close now.
                close()
                return
            }
            let outcome: (consumed: Int, event: HTTPRequestParser.Event?)
            do {
                outcome = try input.withReadable { try parser.parse($0) }
            } catch let error as HTTPParseError {
                fail(error.status, error.detail)
                return
            } catch {
                fail(.badRequest, "malformed request")
                return
            }
            input.consume(outcome.consumed)
            switch outcome.event {
            case nil:
                if parser.isReadingBody {
                    if pendingContinue {
                        pendingContinue = false
                        write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                    }
                    if case .body = phase {} else { phase = .body(lastProgress: monotonicNow()) }
                } else if parser.isMidRequest {
                    if case .head = phase {} else { phase = .head(started: monotonicNow()) }
                } else if case .idle = phase {} else {
                    phase = .idle(since: monotonicNow())
                }
                updateDeadline()
                input.shrinkIfEmpty(above: 64 * 1024)
                return
            case .head(let head)?:
                if case .head = phase {} else { phase = .head(started: monotonicNow()) }
                pendingContinue = head.expectsContinue && head.version == .http11
            case .request(let request)?:
                pendingContinue = false
                dispatch(request)
                if !awaitingResponse && !closed && outputStart >= output.count { phase = .idle(since: monotonicNow()) }
            }
        }
    }

    private func dispatch(_ request: HTTPRequest) {
        var request = request
        request.remoteAddress = peerHost
        awaitingResponse = true
        requestKeepAlive = request.keepAlive
        requestVersion = request.version
        requestIsHead = request.method == "HEAD"
        phase = .handling
        updateDeadline()
        if input.readableCount > server.configuration.limits.maxPipelinedBytes { suspendReading() }
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

    /// Writes the response. `continueReading` is false when called from inside `processInput`'s loop,
    /// which goes on parsing by itself (no recursion per pipelined request).
    private func respond(_ response: HTTPResponse, continueReading: Bool = true) {
        guard awaitingResponse, !closed else { return }
        awaitingResponse = false
        let close = !requestKeepAlive || closeAfterWrite || server.isDraining
            || response.headers["Connection"]?.lowercased() == "close"
        var response = response
        response.headers.remove("Connection")
        if close { closeAfterWrite = true }
        write(response.serialized(version: requestVersion, close: close, date: server.dateHeader(),
                                  omitBody: requestIsHead))
        if continueReading && !closed && outputStart >= output.count { afterWriteDrained() }
    }

    /// Answers a request the server itself rejects, then closes (NIO's HTTPServerProtocolErrorHandler).
    private func fail(_ status: HTTPStatus, _ detail: String) {
        server.logger.debug("rejecting request", metadata: ["conn": "\(id)", "status": "\(status.code)", "detail": "\(detail)"])
        closeAfterWrite = true
        lingerAfterWrite = !peerClosed
        suspendReading()
        let response = server.configuration.errorResponse(status, detail)
        write(response.serialized(version: .http11, close: true, date: server.dateHeader(), omitBody: false))
        if !closed && outputStart >= output.count { afterWriteDrained() }
    }

    private func write(_ bytes: [UInt8]) {
        guard !closed else { return }
        if outputStart < output.count {
            output.append(contentsOf: bytes)
            return
        }
        output = bytes
        outputStart = 0
        flush()
    }

    private func flush() {
        while outputStart < output.count {
            let result: Socket.IOResult
            do {
                result = try output.withUnsafeBytes {
                    try Socket.send(fd, UnsafeRawBufferPointer(rebasing: $0[outputStart...]))
                }
            } catch {
                close()
                return
            }
            switch result {
            case .bytes(let n):
                outputStart += n
                if case .writing = phase { phase = .writing(lastProgress: monotonicNow()) }
            case .wouldBlock:
                phase = .writing(lastProgress: monotonicNow())
                updateDeadline()
                awaitWritable()
                return
            case .closed:
                close()
                return
            }
        }
        output = []
        outputStart = 0
    }

    private func awaitWritable() {
        awaitingWritable = true
        updateInterest()
    }

    private func onWritable() {
        guard !closed, awaitingWritable else { return }
        flush()
        if !closed && outputStart >= output.count {
            awaitingWritable = false
            updateInterest()
            afterWriteDrained()
        }
    }

    private func afterWriteDrained() {
        if closeAfterWrite && lingerAfterWrite && !lingering {
            lingering = true
            Glibc.shutdown(fd, Int32(SHUT_WR))
            phase = .lingering(since: monotonicNow())
            updateDeadline()
            resumeReading()
            return
        }
        if closeAfterWrite {
            close()
            return
        }
        phase = .idle(since: monotonicNow())
        resumeReading()
        processInput()
    }

    // MARK: Lifecycle

    private func suspendReading() {
        if !readSuspended {
            readSuspended = true
            updateInterest()
        }
    }

    private func resumeReading() {
        if readSuspended && !peerClosed {
            readSuspended = false
            updateInterest()
        }
    }

    /// Called on shutdown: idle connections close now, busy ones after their response.
    func drain() {
        loop.execute { [self] in
            guard !closed else { return }
            if !awaitingResponse && outputStart >= output.count && !parser.isMidRequest {
                close()
            }
        }
    }

    /// Called by the sweeper when the deadline may have passed.
    func checkDeadline(now: UInt64) {
        loop.execute { [self] in
            guard !closed, let action = deadlines.expired(phase, now: now) else { return }
            switch action {
            case .close:
                close()
            case .timeout:
                server.logger.debug("request timed out", metadata: ["conn": "\(id)"])
                fail(.requestTimeout, "request not received in time")
                // If the peer is not reading either, do not wait for it.
                if !closed && !lingering { phase = .writing(lastProgress: now); updateDeadline() }
            }
        }
    }

    private func updateDeadline() {
        deadlineAt.store(deadlines.deadline(for: phase)?.at ?? 0, ordering: .relaxed)
    }

    /// Loop thread only. Unregisters before closing, so a reused descriptor number is never watched for this
    /// connection.
    func close() {
        guard !closed else { return }
        closed = true
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
