import FaultlineCore
import Foundation
import HTTPServer
import SentryProtocol

/// `POST /api/0/internal/test-clock/ {"advance": seconds}`: moves the server's clock forward, measures every metric
/// rule, looks for endpoint regressions and reopens issues whose ignore time has come before answering. Registered only on a server started with `--test-clock`.
struct TestClockEndpoint: Sendable {
    let clock: AlertClock
    let auth: APIAuthenticator
    let alerts: AlertEngine?
    let regressions: RegressionMonitor?
    var ignoredIssues: IgnoredIssueTimer?

    func advance(_ request: HTTPRequest) throws -> HTTPResponse {
        let token = try auth.authenticate(request)
        try auth.requireAny(["alerts:write", "project:admin", "org:write", "org:admin"], of: token)
        let root = try request.jsonObjectBody()
        guard let node = root["advance"], let seconds = node.double ?? node.int.map(Double.init), seconds >= 0,
              seconds <= 31 * 86_400 else {
            throw APIError.badRequest("'advance' must be a number of seconds from 0 to 2678400.")
        }
        let offset = clock.advance(by: seconds)
        alerts?.clockMoved()
        try regressions?.checkNow()
        try ignoredIssues?.checkNow()
        return HTTPResponse.json(.object([("now", .string(Timestamp.format(clock.now()))), ("offset", .double(offset))]))
    }
}
