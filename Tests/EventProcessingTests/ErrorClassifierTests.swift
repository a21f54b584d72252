import Testing
@testable import EventProcessing

struct ErrorClassifierTests {
    @Test(arguments: [
        // Python
        ("TimeoutError", "timed out", "timeout"),
        ("ConnectTimeout", "HTTPSConnectionPool(host='api'): Max retries exceeded", "timeout"),
        ("socket.timeout", "", "timeout"),
        ("ConnectionRefusedError", "[Errno 111] Connection refused", "network"),
        ("OperationalError", "could not connect to server: Connection refused", "database"),
        ("IntegrityError", "duplicate key value violates unique constraint", "database"),
        ("PermissionError", "[Errno 13] Permission denied: '/etc/shadow'", "permission"),
        ("MemoryError", "", "memory"),
        ("ValueError", "invalid literal for int() with base 10: 'x'", "validation"),
        ("JSONDecodeError", "Expecting value: line 1 column 1 (char 0)", "validation"),
        ("HTTPError", "429 Client Error: Too Many Requests for url", "rate_limit"),
        ("ExpiredSignatureError", "Signature has expired", "authentication"),
        ("ZeroDivisionError", "division by zero", "other"),
        ("KeyError", "'user_id'", "other"),
        // JavaScript
        ("TypeError", "Failed to fetch", "network"),
        ("RangeError", "Maximum call stack size exceeded", "memory"),
        ("Error", "Request failed with status code 401", "authentication"),
        ("Error", "Request failed with status code 403", "permission"),
        // Java, Go, Ruby, .NET
        ("java.net.SocketTimeoutException", "Read timed out", "timeout"),
        ("java.lang.OutOfMemoryError", "Java heap space", "memory"),
        ("java.sql.SQLException", "Lock wait timeout exceeded", "timeout"),
        ("java.lang.IllegalArgumentException", "name must not be null", "validation"),
        ("*url.Error", "Get \"http://x\": dial tcp 10.0.0.1:80: connect: connection refused", "network"),
        ("*errors.errorString", "context deadline exceeded", "timeout"),
        ("ActiveRecord::RecordInvalid", "Validation failed: Email can't be blank", "validation"),
        ("ActiveRecord::Deadlocked", "Mysql2::Error: Deadlock found", "database"),
        ("System.UnauthorizedAccessException", "Access to the path is denied.", "permission"),
        ("ClassLoaderError", "classloader could not load", "other"),
    ])
    func classifies(type: String, value: String, expected: String) {
        #expect(ErrorClassifier.classify(type: type, value: value, mechanism: nil) == expected)
    }

    @Test func boundedAndTotal() {
        #expect(ErrorClassifier.classify(type: nil, value: nil, mechanism: nil) == "other")
        #expect(ErrorClassifier.classify(type: "Error", value: String(repeating: "a", count: 1_000_000) + "timed out",
                                         mechanism: nil) == "other", "only the first 1,024 bytes are read")
        #expect(ErrorClassifier.classify(type: "Error", value: "x", mechanism: "celery.task.timeout") == "timeout")
        #expect(ErrorClassifier.classes.count == 9)
    }
}
