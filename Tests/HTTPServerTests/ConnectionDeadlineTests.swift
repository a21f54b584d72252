import Testing
@testable import HTTPServer

@Suite struct ConnectionDeadlineTests {
    let deadlines: ConnectionDeadline = {
        var t = HTTPServer.Timeouts()
        t.head = .seconds(10)
        t.bodyProgress = .seconds(15)
        t.keepAliveIdle = .seconds(30)
        t.writeProgress = .seconds(5)
        t.linger = .seconds(2)
        return ConnectionDeadline(timeouts: t)
    }()
    let s: UInt64 = 1_000_000_000

    @Test func idleConnectionsCloseQuietly() {
        #expect(deadlines.expired(.idle(since: 0), now: 29 * s) == nil)
        #expect(deadlines.expired(.idle(since: 0), now: 30 * s) == .close)
    }

    @Test func headDeadlineRunsFromTheFirstByte() {
        // However the bytes dribble in, the head must be complete 10 s after it started (slowloris).
        #expect(deadlines.expired(.head(started: 5 * s), now: 14 * s) == nil)
        #expect(deadlines.expired(.head(started: 5 * s), now: 15 * s) == .timeout)
    }

    @Test func bodyMustProgress() {
        #expect(deadlines.expired(.body(lastProgress: 100 * s), now: 114 * s) == nil)
        #expect(deadlines.expired(.body(lastProgress: 100 * s), now: 115 * s) == .timeout)
    }

    @Test func handlersHaveNoDeadline() {
        let exchange = ConnectionState.Exchange(keepAlive: true, version: .http11, isHead: false)
        #expect(deadlines.deadline(for: .handling(exchange)) == nil)
        #expect(deadlines.deadline(for: .closed) == nil)
    }

    @Test func stalledWritesAndLingerClose() {
        #expect(deadlines.expired(.writing(then: .nextRequest, lastProgress: 0), now: 4 * s) == nil)
        #expect(deadlines.expired(.writing(then: .nextRequest, lastProgress: 0), now: 5 * s) == .close)
        #expect(deadlines.expired(.lingering(since: 0), now: 1 * s) == nil)
        #expect(deadlines.expired(.lingering(since: 0), now: 2 * s) == .close)
    }
}
