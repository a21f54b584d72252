/// Answers requests. `handle` is called on the connection's queue; it may answer later, from any thread,
/// by calling `responder.send` exactly once. Requests on one connection are handled one at a time, in order.
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest, responder: HTTPResponder)
}

/// The way back to the connection a request came from.
public struct HTTPResponder: Sendable {
    let sendResponse: @Sendable (HTTPResponse) -> Void

    public init(_ send: @escaping @Sendable (HTTPResponse) -> Void) {
        self.sendResponse = send
    }

    public func send(_ response: HTTPResponse) {
        sendResponse(response)
    }
}

/// A handler built from a closure; handy in tests.
public struct ClosureHTTPHandler: HTTPHandler {
    let body: @Sendable (HTTPRequest, HTTPResponder) -> Void

    public init(_ body: @escaping @Sendable (HTTPRequest, HTTPResponder) -> Void) {
        self.body = body
    }

    public func handle(_ request: HTTPRequest, responder: HTTPResponder) {
        body(request, responder)
    }
}
