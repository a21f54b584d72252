import SQLite

/// Why the store could not do what was asked, in the core's words: the web layer maps each case to a status in
/// `ErrorResponses` and says what the client should do; what went wrong in detail (SQL, paths) is only logged.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Something the request names is not there (a project removed while its event was on its way).
    case missing(String)
    /// The store is shutting down: the work was not done and may be retried against a running server.
    case closing
    /// What was just written could not be read back, or stored data is not what it should be (a bug or a damaged
    /// file): logged with the details; the client sees a retryable failure.
    case inconsistent(String)

    /// Whether a failure came from storage (this type, or the database's own errors), as opposed to a bug elsewhere:
    /// the web layer answers those 503 without naming them.
    public static func isStorageFailure(_ error: any Error) -> Bool {
        error is StoreError || error is SQLiteError
    }

    public var description: String {
        switch self {
        case .missing(let what): "\(what) does not exist"
        case .closing: "the store is closing"
        case .inconsistent(let what): "inconsistent store: \(what)"
        }
    }
}
