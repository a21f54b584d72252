import Testing
@testable import FaultlineCore

@Suite struct KeyRateLimiterTests {
    @Test func fixedWindowsPerKey() {
        let limiter = KeyRateLimiter()
        let limit = ProjectKey.RateLimit(window: 60, count: 3)
        #expect(limiter.admit(keyID: 1, limit: limit, quantity: 2, now: 120) == nil)
        #expect(limiter.admit(keyID: 1, limit: limit, quantity: 1, now: 130) == nil)
        // Used up until the window [120, 180) ends.
        #expect(limiter.admit(keyID: 1, limit: limit, quantity: 1, now: 150.5) == 30)
        #expect(limiter.admit(keyID: 2, limit: limit, quantity: 3, now: 150) == nil, "each key has its own window")
        #expect(limiter.admit(keyID: 1, limit: limit, quantity: 3, now: 180) == nil, "a new window starts afresh")
        #expect(limiter.admit(keyID: 1, limit: limit, quantity: 4, now: 250) == 50, "more than the limit at once")
        #expect(limiter.admit(keyID: 1, limit: limit, quantity: 1, now: 239.9) == 1)
    }
}
