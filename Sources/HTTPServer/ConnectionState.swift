/// The state of one HTTP/1.1 connection as a value. `HTTPConnection` reports what happened — a head or a whole
/// request parsed, an answer ready, the output drained, the end of input, a deadline — and the state says what to
/// do next; sockets, buffers and the clock stay in the connection. Times are monotonic nanoseconds passed in, so
/// every transition is tested with plain numbers (`ConnectionStateTests`), like the deadlines.
///
/// One request is handled at a time: pipelined requests wait in the input buffer until the answer before them is
/// written, which keeps answers in the order of requests (RFC 9112 §9.3.2).
struct ConnectionState: Equatable {
    enum Phase: Equatable {
        /// Between requests, waiting for the next one.
        case idle(since: UInt64)
        /// Reading the head of a request whose first byte came at `started`.
        case head(started: UInt64)
        /// Reading a body; `lastProgress` is when bytes last arrived.
        case body(lastProgress: UInt64)
        /// The handler has the request; it answers when it can (ingest waits for a commit).
        case handling(Exchange)
        /// Writing an answer; `then` is what follows once all of it is written.
        case writing(then: AfterWrite, lastProgress: UInt64)
        /// A refusal was written and our side shut down; input is read and dropped until the peer closes, so the
        /// peer sees the refusal rather than a reset.
        case lingering(since: UInt64)
        case closed
    }

    /// What the answer to the request being handled depends on.
    struct Exchange: Equatable {
        var keepAlive: Bool
        var version: HTTPVersion
        var isHead: Bool
    }

    /// What follows a fully written answer.
    enum AfterWrite: Equatable {
        /// Read the next request (keep-alive).
        case nextRequest
        case close
        /// Shut down our sending side and drain input until the peer closes (after a refusal).
        case linger
    }

    /// How to frame an answer.
    struct Framing: Equatable {
        var version: HTTPVersion
        /// `Connection: close`, and the connection closes once it is written.
        var close: Bool
        var omitBody: Bool
    }

    private(set) var phase: Phase
    /// The peer shut down its sending side: nothing more will arrive. What is in flight is answered, then we close.
    private(set) var peerClosed = false
    /// Reading is paused: too much pipelined input waits behind the request being handled, or a refusal was sent.
    private(set) var readPaused = false
    /// The request's head asked for `100 Continue`, which is owed when its body is first awaited.
    private var continueOwed = false

    init(now: UInt64) {
        phase = .idle(since: now)
    }

    var isClosed: Bool { phase == .closed }
    var isLingering: Bool { if case .lingering = phase { true } else { false } }
    var isIdle: Bool { if case .idle = phase { true } else { false } }
    var isReadingBody: Bool { if case .body = phase { true } else { false } }

    /// Whether input is parsed now: only between answers (one request at a time).
    var acceptsRequests: Bool {
        switch phase {
        case .idle, .head, .body: true
        case .handling, .writing, .lingering, .closed: false
        }
    }

    /// Whether the socket should be watched for input.
    var wantsInput: Bool { !readPaused && !peerClosed && !isClosed }

    // MARK: Reading

    /// Body bytes arrived: progress for the body deadline.
    mutating func bodyProgressed(now: UInt64) {
        if case .body = phase { phase = .body(lastProgress: now) }
    }

    /// The parser wants more input. `inBody`: it is inside a body; `midRequest`: it has part of a head.
    /// Returns true when `100 Continue` is to be written now: the client waits for it before sending the body.
    mutating func awaitingInput(inBody: Bool, midRequest: Bool, now: UInt64) -> Bool {
        guard acceptsRequests else { return false }
        if inBody {
            if !isReadingBody { phase = .body(lastProgress: now) }
            defer { continueOwed = false }
            return continueOwed
        }
        if midRequest {
            // The head deadline runs from the first byte: later bytes do not move it (slowloris).
            if case .head = phase {} else { phase = .head(started: now) }
        } else if !isIdle {
            phase = .idle(since: now)
        }
        return false
    }

    /// A complete head was parsed; its body (if any) follows.
    mutating func headParsed(expectsContinue: Bool, now: UInt64) {
        guard acceptsRequests else { return }
        if case .head = phase {} else { phase = .head(started: now) }
        continueOwed = expectsContinue
    }

    /// A whole request goes to the handler. `pipelineFull`: so much input is already buffered behind it that
    /// reading pauses until it is answered.
    mutating func requestParsed(_ exchange: Exchange, pipelineFull: Bool) {
        guard acceptsRequests else { return }
        continueOwed = false
        phase = .handling(exchange)
        if pipelineFull { readPaused = true }
    }

    // MARK: Answering

    /// The handler answered. Returns how to frame the answer, or nil when no request is waiting for one (an
    /// answer that comes after the connection was refused or closed is dropped).
    mutating func answerReady(asksClose: Bool, draining: Bool, now: UInt64) -> Framing? {
        guard case .handling(let exchange) = phase else { return nil }
        let close = asksClose || draining || !exchange.keepAlive || peerClosed
        phase = .writing(then: close ? .close : .nextRequest, lastProgress: now)
        return Framing(version: exchange.version, close: close, omitBody: exchange.isHead)
    }

    /// The server refuses the request being read (malformed, too large, too slow): a final error answer with
    /// `Connection: close` is written, then the connection lingers (or closes, if the peer already has).
    mutating func refused(now: UInt64) {
        guard acceptsRequests else { return }
        continueOwed = false
        readPaused = true
        phase = .writing(then: peerClosed ? .close : .linger, lastProgress: now)
    }

    /// Part of the answer was written: progress for the write deadline.
    mutating func outputProgressed(now: UInt64) {
        if case .writing(let then, _) = phase { phase = .writing(then: then, lastProgress: now) }
    }

    /// Everything written so far has left. Returns what follows an answer, or nil when the output was not an
    /// answer (a `100 Continue`) and reading simply goes on.
    mutating func outputDrained(now: UInt64) -> AfterWrite? {
        guard case .writing(let then, _) = phase else { return nil }
        switch then {
        case .nextRequest:
            phase = .idle(since: now)
            readPaused = false
        case .linger:
            phase = .lingering(since: now)
            readPaused = false
        case .close:
            break  // the connection closes, then reports `closed()`
        }
        return then
    }

    // MARK: End

    /// The peer shut down its sending side. Returns true when the connection should close now; otherwise the
    /// request in hand is answered first, with `Connection: close`.
    mutating func inputEnded() -> Bool {
        peerClosed = true
        switch phase {
        case .idle, .head, .body, .lingering:
            return true
        case .handling:
            return false
        case .writing:
            // Whatever was to follow, nothing more can be read: close once the answer is out.
            phase = .writing(then: .close, lastProgress: lastProgress ?? 0)
            return false
        case .closed:
            return false
        }
    }

    /// What a deadline that has passed asks for, if any.
    func expired(now: UInt64, deadlines: ConnectionDeadline) -> DeadlineAction? {
        deadlines.expired(phase, now: now)
    }

    mutating func closed() {
        phase = .closed
        continueOwed = false
    }

    private var lastProgress: UInt64? {
        if case .writing(_, let at) = phase { at } else { nil }
    }
}
