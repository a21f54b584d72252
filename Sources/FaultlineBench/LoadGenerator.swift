import CEventLoop
import ContentCoding
import Foundation
import Synchronization

/// Client threads on keep-alive connections for a duration: closed loop by default (each connection sends its next
/// request when the last is answered: the server's saturation throughput), or open loop at a fixed offered `rate`
/// (requests are due on a schedule whether or not the server keeps up, and each latency counts from when its
/// request was due, so queueing behind a slow answer is not hidden — no coordinated omission).
struct LoadGenerator {
    struct Result {
        var acknowledged = 0
        var failed = 0
        var latenciesNanos: [UInt64] = []
        var seconds = 0.0
    }

    /// Appends the request bytes for request `n` of connection `c` to an emptied, reused buffer.
    typealias RequestBuilder = @Sendable (_ connection: Int, _ n: Int, _ request: inout [UInt8]) -> Void

    let port: Int
    let connections: Int
    let duration: Double

    /// Client threads (wrk-style): each multiplexes its share of the connections with epoll, so the
    /// generator costs a few µs per request instead of a context switch per response.
    var threads = 2
    /// Offered requests per second over all connections; nil: as fast as answers come (closed loop).
    var rate: Double?

    func run(_ build: @escaping RequestBuilder) -> Result {
        let results = Mutex<[Result]>([])
        let start = DispatchTime.now().uptimeNanoseconds
        let end = start + UInt64(duration * 1e9)
        let group = DispatchGroup()
        let threadCount = max(1, min(threads, connections))
        // Each thread offers its share of the rate on its own schedule.
        let interval = rate.map { UInt64(1e9 * Double(threadCount) / max($0, 1)) }
        for t in 0..<threadCount {
            let mine = Array(stride(from: t, to: connections, by: threadCount))
            group.enter()
            let thread = Thread { [port] in
                let r = Self.clientLoop(port: port, connections: mine, from: start, until: end, interval: interval, build: build)
                results.withLock { $0.append(r) }
                group.leave()
            }
            thread.start()
        }
        group.wait()
        var total = Result()
        for r in results.withLock({ $0 }) {
            total.acknowledged += r.acknowledged
            total.failed += r.failed
            total.latenciesNanos += r.latenciesNanos
        }
        total.seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return total
    }

    private struct Connection {
        var fd: Int32 = -1
        let index: Int
        var sequence = 0
        var sentAt: UInt64 = 0
        var outstanding = false
        var response = ResponseReader()
        /// Reused for every request, so building one allocates nothing.
        var request: [UInt8] = []
    }

    private static func clientLoop(port: Int, connections indexes: [Int], from begin: UInt64, until end: UInt64,
                                   interval: UInt64?, build: RequestBuilder) -> Result {
        var result = Result()
        result.latenciesNanos.reserveCapacity(200_000)
        var conns = indexes.map { Connection(index: $0) }
        var buffer = [UInt8](repeating: 0, count: 65536)
        let epoll = CEL_create()
        defer { close(epoll) }
        /// Connection slot by descriptor (descriptors are small integers).
        var slots: [Int32: Int] = [:]

        func drop(_ i: Int) {
            conns[i].outstanding = false
            _ = CEL_del(epoll, conns[i].fd)
            slots[conns[i].fd] = nil
            close(conns[i].fd)
            conns[i].fd = -1
        }

        /// Open loop: when the next request is due.
        var nextDue = begin

        func start(_ i: Int, dueAt due: UInt64? = nil) {
            conns[i].outstanding = false
            // After the deadline no new request starts; those in flight are still read, so every request
            // the server answered is counted and stored == acknowledged can be checked exactly.
            guard DispatchTime.now().uptimeNanoseconds < end else { return }
            // Open loop: a connection that is free waits for the schedule (`sendDue`).
            if interval != nil && due == nil { return }
            if conns[i].fd < 0 {
                let fd = connect(port)
                guard fd >= 0 else { result.failed += 1; return }
                guard CEL_add(epoll, fd, CEL_IN) == 0 else { close(fd); result.failed += 1; return }
                conns[i].fd = fd
                slots[fd] = i
            }
            conns[i].request.removeAll(keepingCapacity: true)
            build(conns[i].index, conns[i].sequence, &conns[i].request)
            conns[i].sequence += 1
            conns[i].response = ResponseReader()
            conns[i].sentAt = due ?? DispatchTime.now().uptimeNanoseconds
            conns[i].outstanding = true
            if !sendAll(conns[i].fd, conns[i].request) {
                result.failed += 1
                drop(i)
            }
        }

        /// Open loop: every request that is due goes out on a free connection; what finds none waits (its latency
        /// still counts from when it was due).
        func sendDue(_ now: UInt64) {
            guard let interval else { return }
            while nextDue <= now, nextDue < end, let i = conns.firstIndex(where: { !$0.outstanding }) {
                start(i, dueAt: nextDue)
                if !conns[i].outstanding { break }  // could not connect or send: retried at the next wake-up
                nextDue += interval
            }
        }

        for i in conns.indices { start(i) }
        let drainDeadline = end + 10_000_000_000
        var readyFDs = [Int32](repeating: 0, count: 64)
        var readyEvents = [UInt32](repeating: 0, count: 64)
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            sendDue(now)
            if now >= drainDeadline || (now >= end && !conns.contains(where: \.outstanding)) { break }
            // Open loop: wake for the next due request. epoll counts whole milliseconds and a generator that spun
            // would take a core from the server, so it sleeps at least 1 ms and sends what fell due meanwhile at once
            // (that lateness, ≤ 1 ms, is part of the latencies reported).
            let wait: Int32 = interval == nil ? 100 : Int32(max(1, min(100, nextDue > now ? (nextDue - now) / 1_000_000 : 1)))
            let ready = CEL_wait(epoll, &readyFDs, &readyEvents, Int32(readyFDs.count), wait)
            if ready <= 0 {
                for i in conns.indices where conns[i].fd < 0 { start(i) }
                continue
            }
            for r in 0..<Int(ready) {
                guard let i = slots[readyFDs[r]] else { continue }
                let n = buffer.withUnsafeMutableBytes { recv(conns[i].fd, $0.baseAddress!, $0.count, 0) }
                if n <= 0 {
                    result.failed += 1
                    drop(i)
                    start(i)
                    continue
                }
                guard conns[i].outstanding else { continue }
                guard let status = buffer.withUnsafeBytes({ conns[i].response.feed(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }) else {
                    continue
                }
                if status == 200 {
                    result.acknowledged += 1
                    result.latenciesNanos.append(DispatchTime.now().uptimeNanoseconds - conns[i].sentAt)
                } else {
                    result.failed += 1
                }
                start(i)
            }
        }
        for c in conns where c.fd >= 0 { close(c.fd) }
        return result
    }

    static func connect(_ port: Int) -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return -1 }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = UInt16(port).bigEndian
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let ok = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else { close(fd); return -1 }
        var on: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }

    private static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

}

/// Incremental response parser: status line, `Content-Length`, body; bytes only, no strings.
struct ResponseReader {
    private var head: [UInt8] = []
    private var status = 0
    private var remaining = -1

    /// How much of the blank line ending the head has been seen (`\r\n\r\n`), across reads.
    private var matched = 0

    /// Feeds received bytes; returns the status once the whole response has arrived.
    mutating func feed(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var i = 0
        if remaining < 0 {
            while i < bytes.count && matched < 4 {
                let b = bytes[i]
                matched = b == (matched & 1 == 0 ? 13 : 10) ? matched + 1 : (b == 13 ? 1 : 0)
                i += 1
            }
            head.append(contentsOf: UnsafeRawBufferPointer(rebasing: bytes[0..<i]))
            if matched < 4 { return nil }
            status = head.count > 12 ? Int(head[9] &- 48) * 100 + Int(head[10] &- 48) * 10 + Int(head[11] &- 48) : 0
            remaining = contentLength()
        }
        remaining -= bytes.count - i
        return remaining <= 0 ? status : nil
    }

    private func contentLength() -> Int {
        let key = Array("content-length:".utf8)
        var lineStart = 0
        for j in 0..<head.count where head[j] == 10 {
            let line = head[lineStart..<j]
            lineStart = j + 1
            guard line.count > key.count else { continue }
            if zip(line.prefix(key.count), key).allSatisfy({ ($0 | 0x20) == $1 || $0 == $1 }) {
                var value = 0
                for b in line.dropFirst(key.count) where b >= 48 && b <= 57 { value = value * 10 + Int(b - 48) }
                return value
            }
        }
        return 0
    }
}

extension Array where Element == UInt64 {
    func percentile(_ p: Double) -> Double {
        guard !isEmpty else { return 0 }
        let sorted = self.sorted()
        let index = Swift.min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))
        return Double(sorted[index]) / 1e6
    }
}
