#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Foundation
import Logging
import Synchronization

/// An HTTP/1.1 server on plain sockets: one epoll event loop per core owns the connections, a Dispatch read
/// source per listener accepts them, and a Dispatch timer sweeps deadlines.
/// It knows nothing of what it serves: requests go to an `HTTPHandler`.
public final class HTTPServer: Sendable {
    public let configuration: Configuration
    let handler: any HTTPHandler
    let logger: Logger
    /// One event loop per core; connections are spread over them round-robin.
    private let loops = Mutex<[EventLoop]>([])
    private let nextLoop = Atomic<Int>(0)

    private let acceptQueue = DispatchQueue(label: "faultline.http.accept")
    private let state = Mutex(State())
    private let draining = Atomic<Bool>(false)
    private let nextConnectionID = Atomic<Int>(1)
    private let cachedDate = Mutex(HTTPDate.now())

    private struct State: ~Copyable {
        var listeners: [Listener] = []
        var connections: [Int: HTTPConnection] = [:]
        var acceptSuspended = false
        var sweeper: (any DispatchSourceTimer)?
        var drained: [@Sendable () -> Void] = []
        var boundPorts: [Int] = []
    }

    private struct Listener {
        let source: any DispatchSourceRead
    }

    public init(configuration: Configuration, handler: any HTTPHandler, logger: Logger) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
    }

    /// The port of the first listener (useful with port 0), or 0 before `start()`.
    public var port: Int { state.withLock { $0.boundPorts.first ?? 0 } }
    public var ports: [Int] { state.withLock { $0.boundPorts } }
    public var connectionCount: Int { state.withLock { $0.connections.count } }
    var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// Binds every listen address and starts accepting. Throws if any address cannot be bound.
    public func start() throws {
        let loopCount = configuration.eventLoops ?? max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))
        let created = try (0..<loopCount).map { try EventLoop(name: "faultline.loop\($0)") }
        loops.withLock { $0 = created }
        var fds: [Int32] = []
        do {
            for address in configuration.listen {
                fds.append(try Socket.makeListener(address: address, backlog: configuration.limits.backlog))
            }
        } catch {
            fds.forEach { _ = Glibc.close($0) }
            throw error
        }
        state.withLock { state in
            for fd in fds {
                let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: acceptQueue)
                source.setEventHandler { [unowned self] in self.acceptPending(fd) }
                source.setCancelHandler { _ = Glibc.close(fd) }
                state.listeners.append(Listener(source: source))
                state.boundPorts.append(Socket.boundPort(fd))
                source.resume()
            }
            let sweeper = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "faultline.http.sweeper"))
            let interval = configuration.timeouts.sweepInterval.nanoseconds
            sweeper.schedule(deadline: .now() + .nanoseconds(Int(interval)), repeating: .nanoseconds(Int(interval)))
            sweeper.setEventHandler { [unowned self] in self.sweep() }
            state.sweeper = sweeper
            sweeper.resume()
        }
    }

    private func acceptPending(_ listener: Int32) {
        while true {
            let atCap = state.withLock { $0.connections.count >= configuration.limits.maxConnections }
            if atCap {
                pauseAccepting()
                return
            }
            let fd: Int32?
            do {
                fd = try Socket.accept(listener)
            } catch let error as SocketError {
                // EMFILE/ENFILE: out of descriptors. Pause instead of spinning on a level-triggered source.
                logger.warning("accept failed", metadata: ["error": "\(error)"])
                pauseAccepting()
                acceptQueue.asyncAfter(deadline: .now() + .milliseconds(100)) { [self] in resumeAcceptingIfBelowCap() }
                return
            } catch {
                return
            }
            guard let fd else { return }
            guard (try? Socket.setNonBlocking(fd)) != nil else {
                Glibc.close(fd)
                continue
            }
            Socket.setNoDelay(fd)
            let loop = loops.withLock { $0[nextLoop.wrappingAdd(1, ordering: .relaxed).oldValue % $0.count] }
            let connection = HTTPConnection(id: nextConnectionID.wrappingAdd(1, ordering: .relaxed).oldValue,
                                            fd: fd, server: self, loop: loop)
            let accepted = state.withLock { state -> Bool in
                if draining.load(ordering: .relaxed) { return false }
                state.connections[connection.id] = connection
                return true
            }
            guard accepted else {
                Glibc.close(fd)
                return
            }
            connection.start()
        }
    }

    private func pauseAccepting() {
        state.withLock { state in
            guard !state.acceptSuspended else { return }
            state.acceptSuspended = true
            state.listeners.forEach { $0.source.suspend() }
        }
    }

    private func resumeAcceptingIfBelowCap() {
        state.withLock { state in
            guard state.acceptSuspended, !draining.load(ordering: .relaxed),
                  state.connections.count < configuration.limits.maxConnections else { return }
            state.acceptSuspended = false
            state.listeners.forEach { $0.source.resume() }
        }
    }

    func connectionClosed(_ connection: HTTPConnection) {
        let (callbacks, drainedNow, acceptPaused) = state.withLock { state -> ([@Sendable () -> Void], Bool, Bool) in
            state.connections[connection.id] = nil
            if draining.load(ordering: .relaxed) && state.connections.isEmpty {
                defer { state.drained = [] }
                return (state.drained, true, false)
            }
            return ([], false, state.acceptSuspended)
        }
        if drainedNow { stopSweeper() }
        callbacks.forEach { $0() }
        if acceptPaused { acceptQueue.async { [self] in resumeAcceptingIfBelowCap() } }
    }

    private func sweep() {
        let now = monotonicNow()
        cachedDate.withLock { $0.refresh() }
        let due = state.withLock { state in
            state.connections.values.filter {
                let at = $0.deadlineAt.load(ordering: .relaxed)
                return at != 0 && at <= now
            }
        }
        due.forEach { $0.checkDeadline(now: now) }
    }

    func dateHeader() -> String { cachedDate.withLock { $0.text } }

    /// Graceful stop: close the listeners, let in-flight requests finish (up to `shutdownGrace`),
    /// close idle connections, then call `completion`. Responses written while draining carry
    /// `Connection: close`.
    public func shutdown(completion: @escaping @Sendable () -> Void) {
        let alreadyDraining = draining.exchange(true, ordering: .relaxed)
        let (connections, empty) = state.withLock { state -> ([HTTPConnection], Bool) in
            if !alreadyDraining {
                for listener in state.listeners {
                    if state.acceptSuspended { listener.source.resume() }
                    listener.source.cancel()
                }
                state.listeners = []
                state.acceptSuspended = false
            }
            let empty = state.connections.isEmpty
            if !empty { state.drained.append(completion) }
            return (Array(state.connections.values), empty)
        }
        if empty {
            stopSweeper()
            completion()
            return
        }
        connections.forEach { $0.drain() }
        let grace = configuration.timeouts.shutdownGrace.nanoseconds
        DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(grace))) { [self] in
            let stragglers = state.withLock { Array($0.connections.values) }
            if !stragglers.isEmpty {
                logger.warning("closing connections still open after the shutdown grace period",
                               metadata: ["count": "\(stragglers.count)"])
            }
            stragglers.forEach { c in c.loop.execute { c.close() } }
        }
    }

    /// Blocking form of `shutdown(completion:)`.
    public func shutdown() {
        let done = DispatchSemaphore(value: 0)
        shutdown { done.signal() }
        done.wait()
    }

    /// Stops the sweeper and the event loops; idempotent (called when the last connection has drained).
    private func stopSweeper() {
        state.withLock { state in
            state.sweeper?.cancel()
            state.sweeper = nil
        }
        loops.withLock { loops in
            loops.forEach { $0.stop() }
            loops = []
        }
    }
}

/// The IMF-fixdate for the `Date` header, refreshed by the sweeper rather than formatted per response.
struct HTTPDate {
    private(set) var text: String
    private var second: Int

    static func now() -> HTTPDate {
        var d = HTTPDate(text: "", second: -1)
        d.refresh()
        return d
    }

    mutating func refresh() {
        var t = time(nil)
        guard Int(t) != second else { return }
        second = Int(t)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        var buffer = [CChar](repeating: 0, count: 64)
        let n = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &tmv)
        text = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
