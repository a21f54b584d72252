import FaultlineCore
import Foundation
import HTTPServer
import Testing
@testable import FaultlineWeb

/// Failures below the API become statuses in one place, and never carry their own text (SQL, paths) to the client.
@Suite struct ErrorResponsesTests {
    struct Bug: Error, CustomStringConvertible { var description: String { "index out of range in /srv/faultline/x.swift" } }

    func detail(_ r: HTTPResponse) throws -> String {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.body)) as? [String: Any])
        return try #require(object["detail"] as? String)
    }

    @Test func storageFailuresAre503WithRetryAndNoInternals() throws {
        for error in [StoreError.inconsistent("release shop@1 vanished after it was saved"), StoreError.closing] as [any Error] {
            let response = ErrorResponses.response(forInternal: error)
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers["Retry-After"] == "5")
            #expect(try !detail(response).contains("shop@1"), "the store's own words stay in the log")
        }
        #expect(try detail(ErrorResponses.response(forInternal: StoreError.closing)).contains("shutting down"))
        let missing = ErrorResponses.response(forInternal: StoreError.missing("project 9"))
        #expect(missing.status == .notFound)
        #expect(try !detail(missing).contains("9"))
        let bug = ErrorResponses.response(forInternal: Bug())
        #expect(bug.status == .internalServerError)
        #expect(try detail(bug) == "Internal server error.")
    }
}
