import Testing
@testable import HTTPServer

/// Every transition of a connection's state, with plain numbers for time (no sockets, no sleeps).
@Suite struct ConnectionStateTests {
    let keepAlive = ConnectionState.Exchange(keepAlive: true, version: .http11, isHead: false)

    /// A connection that has parsed one whole request and handed it to the handler.
    func handling(_ exchange: ConnectionState.Exchange? = nil) -> ConnectionState {
        var state = ConnectionState(now: 0)
        _ = state.awaitingInput(inBody: false, midRequest: true, now: 1)
        state.headParsed(expectsContinue: false, now: 2)
        state.requestParsed(exchange ?? keepAlive, pipelineFull: false)
        return state
    }

    @Test func aKeepAliveExchangeReturnsToIdle() {
        var state = handling()
        #expect(state.phase == .handling(keepAlive))
        #expect(!state.acceptsRequests)  // one request at a time: a pipelined one waits in the buffer
        #expect(state.wantsInput)        // but is still read into it
        let framing = state.answerReady(asksClose: false, draining: false, now: 10)
        #expect(framing == .init(version: .http11, close: false, omitBody: false))
        #expect(state.phase == .writing(then: .nextRequest, lastProgress: 10))
        let after1 = state.outputDrained(now: 11)
        #expect(after1 == .nextRequest)
        #expect(state.phase == .idle(since: 11))
        #expect(state.acceptsRequests)
    }

    @Test func theHeadDeadlineStartsAtTheFirstByte() {
        var state = ConnectionState(now: 0)
        let owesContinue2 = state.awaitingInput(inBody: false, midRequest: true, now: 5)
        #expect(!owesContinue2)
        let owesContinue3 = state.awaitingInput(inBody: false, midRequest: true, now: 9)
        #expect(!owesContinue3)
        #expect(state.phase == .head(started: 5))
        state.headParsed(expectsContinue: false, now: 12)
        #expect(state.phase == .head(started: 5))
    }

    @Test func bodyBytesAreProgress() {
        var state = ConnectionState(now: 0)
        state.headParsed(expectsContinue: false, now: 1)
        _ = state.awaitingInput(inBody: true, midRequest: true, now: 2)
        #expect(state.phase == .body(lastProgress: 2))
        state.bodyProgressed(now: 7)
        #expect(state.phase == .body(lastProgress: 7))
        // Outside a body, bytes move no deadline.
        var idle = ConnectionState(now: 0)
        idle.bodyProgressed(now: 7)
        #expect(idle.phase == .idle(since: 0))
    }

    @Test func continueIsOwedOnceWhenTheBodyIsAwaited() {
        var state = ConnectionState(now: 0)
        state.headParsed(expectsContinue: true, now: 1)
        let owesContinue4 = state.awaitingInput(inBody: true, midRequest: true, now: 2)
        #expect(owesContinue4)
        let owesContinue5 = state.awaitingInput(inBody: true, midRequest: true, now: 3)
        #expect(!owesContinue5)
        // A body that came with the head owes nothing.
        var whole = ConnectionState(now: 0)
        whole.headParsed(expectsContinue: true, now: 1)
        whole.requestParsed(keepAlive, pipelineFull: false)
        let framing6 = whole.answerReady(asksClose: false, draining: false, now: 2)
        #expect(framing6 != nil)
        _ = whole.outputDrained(now: 3)
        let owesContinue7 = whole.awaitingInput(inBody: true, midRequest: true, now: 4)
        #expect(!owesContinue7)
    }

    @Test func closeIsChosenByRequestAnswerOrShutdown() {
        let http10 = ConnectionState.Exchange(keepAlive: false, version: .http10, isHead: false)
        var state = handling(http10)
        let framing8 = state.answerReady(asksClose: false, draining: false, now: 1)
        #expect(framing8 == .init(version: .http10, close: true, omitBody: false))
        let after9 = state.outputDrained(now: 2)
        #expect(after9 == .close)

        state = handling()
        let framing10 = state.answerReady(asksClose: true, draining: false, now: 1)
        #expect(framing10?.close == true)
        state = handling()
        let framing11 = state.answerReady(asksClose: false, draining: true, now: 1)
        #expect(framing11?.close == true)
        let after12 = state.outputDrained(now: 2)
        #expect(after12 == .close)
    }

    @Test func headAnswersOmitTheBody() {
        var state = handling(.init(keepAlive: true, version: .http11, isHead: true))
        let framing13 = state.answerReady(asksClose: false, draining: false, now: 1)
        #expect(framing13?.omitBody == true)
    }

    @Test func aLateOrSecondAnswerIsDropped() {
        var state = handling()
        let framing14 = state.answerReady(asksClose: false, draining: false, now: 1)
        #expect(framing14 != nil)
        let framing15 = state.answerReady(asksClose: false, draining: false, now: 2)
        #expect(framing15 == nil)
        state.closed()
        let framing16 = state.answerReady(asksClose: false, draining: false, now: 3)
        #expect(framing16 == nil)
        #expect(state.isClosed && !state.wantsInput)
    }

    @Test func aFullPipelinePausesReadingUntilTheAnswerIsWritten() {
        var state = ConnectionState(now: 0)
        state.headParsed(expectsContinue: false, now: 1)
        state.requestParsed(keepAlive, pipelineFull: true)
        #expect(state.readPaused && !state.wantsInput)
        _ = state.answerReady(asksClose: false, draining: false, now: 2)
        #expect(!state.wantsInput)
        _ = state.outputDrained(now: 3)
        #expect(state.wantsInput)
    }

    @Test func aRefusalLingersThenCloses() {
        var state = ConnectionState(now: 0)
        _ = state.awaitingInput(inBody: false, midRequest: true, now: 1)
        state.refused(now: 2)
        #expect(state.phase == .writing(then: .linger, lastProgress: 2))
        #expect(!state.wantsInput)  // nothing more is parsed while the refusal is written
        let after17 = state.outputDrained(now: 3)
        #expect(after17 == .linger)
        #expect(state.phase == .lingering(since: 3))
        #expect(state.wantsInput && !state.acceptsRequests)  // read and dropped
        let closesNow18 = state.inputEnded()
        #expect(closesNow18)
    }

    @Test func aRefusalAfterThePeerClosedClosesAtOnce() {
        var state = ConnectionState(now: 0)
        _ = state.awaitingInput(inBody: false, midRequest: true, now: 1)
        state.headParsed(expectsContinue: false, now: 1)
        _ = state.awaitingInput(inBody: true, midRequest: true, now: 1)
        // The end of input while idle or mid-request: nothing to answer.
        var copy = state
        let closesNow19 = copy.inputEnded()
        #expect(closesNow19)
        state.refused(now: 2)
        let closesNow20 = state.inputEnded()
        #expect(!closesNow20)
        let after21 = state.outputDrained(now: 3)
        #expect(after21 == .close)
    }

    @Test func theEndOfInputWaitsForTheAnswerInHand() {
        var state = handling()
        let closesNow22 = state.inputEnded()
        #expect(!closesNow22)
        #expect(!state.wantsInput)
        let framing23 = state.answerReady(asksClose: false, draining: false, now: 5)
        #expect(framing23?.close == true)
        let after24 = state.outputDrained(now: 6)
        #expect(after24 == .close)

        // While an answer is being written: it still goes out, then the connection closes.
        state = handling()
        _ = state.answerReady(asksClose: false, draining: false, now: 5)
        state.outputProgressed(now: 7)
        #expect(state.phase == .writing(then: .nextRequest, lastProgress: 7))
        let closesNow25 = state.inputEnded()
        #expect(!closesNow25)
        #expect(state.phase == .writing(then: .close, lastProgress: 7))
        let after26 = state.outputDrained(now: 8)
        #expect(after26 == .close)

        var idle = ConnectionState(now: 0)
        let closesNow27 = idle.inputEnded()
        #expect(closesNow27)
    }

    @Test func aContinueDrainingIsNotAnAnswer() {
        var state = ConnectionState(now: 0)
        state.headParsed(expectsContinue: true, now: 1)
        let owesContinue28 = state.awaitingInput(inBody: true, midRequest: true, now: 2)
        #expect(owesContinue28)
        let after29 = state.outputDrained(now: 3)
        #expect(after29 == nil)
        #expect(state.phase == .body(lastProgress: 2))
    }

    @Test func deadlinesFollowThePhase() {
        var t = HTTPServer.Timeouts()
        t.head = .seconds(10)
        t.keepAliveIdle = .seconds(30)
        t.writeProgress = .seconds(5)
        let deadlines = ConnectionDeadline(timeouts: t)
        let s: UInt64 = 1_000_000_000
        var state = ConnectionState(now: 0)
        #expect(state.expired(now: 30 * s, deadlines: deadlines) == .close)
        _ = state.awaitingInput(inBody: false, midRequest: true, now: 1 * s)
        #expect(state.expired(now: 11 * s, deadlines: deadlines) == .timeout)
        state.headParsed(expectsContinue: false, now: 2 * s)
        state.requestParsed(keepAlive, pipelineFull: false)
        #expect(state.expired(now: 1000 * s, deadlines: deadlines) == nil)  // the handler takes its time
        _ = state.answerReady(asksClose: false, draining: false, now: 50 * s)
        #expect(state.expired(now: 55 * s, deadlines: deadlines) == .close)  // a peer that stopped reading
    }
}
