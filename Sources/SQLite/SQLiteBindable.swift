import CSQLite

/// Something that binds itself to a statement parameter. Each type calls the matching `sqlite3_bind_*`
/// directly: going through an intermediate value enum (and a C-string copy for text) cost a measurable share
/// of the writer's time when a batch binds thousands of values.
public protocol SQLiteBindable {
    /// Binds to parameter `index` (1-based) of `statement`; returns SQLite's result code.
    func bind(to statement: OpaquePointer, at index: Int32) -> Int32
    /// Bytes `bind(to:at:copyingInto:)` copies (text and blobs).
    var bindingByteCount: Int { get }
    /// Binds like `bind(to:at:)`, but copies text and blobs to `buffer` (advancing it) and binds them there as
    /// SQLITE_STATIC: the statement keeps that buffer until its next binding, so SQLite need not allocate a
    /// copy of its own for every value (most of the writer's allocations were these copies).
    func bind(to statement: OpaquePointer, at index: Int32, copyingInto buffer: inout UnsafeMutableRawPointer) -> Int32
}

extension SQLiteBindable {
    public var bindingByteCount: Int { 0 }

    public func bind(to statement: OpaquePointer, at index: Int32, copyingInto buffer: inout UnsafeMutableRawPointer) -> Int32 {
        bind(to: statement, at: index)
    }
}

extension Int: SQLiteBindable {
    public func bind(to statement: OpaquePointer, at index: Int32) -> Int32 { sqlite3_bind_int64(statement, index, Int64(self)) }
}

extension Int64: SQLiteBindable {
    public func bind(to statement: OpaquePointer, at index: Int32) -> Int32 { sqlite3_bind_int64(statement, index, self) }
}

extension Double: SQLiteBindable {
    public func bind(to statement: OpaquePointer, at index: Int32) -> Int32 { sqlite3_bind_double(statement, index, self) }
}

extension Bool: SQLiteBindable {
    public func bind(to statement: OpaquePointer, at index: Int32) -> Int32 { sqlite3_bind_int64(statement, index, self ? 1 : 0) }
}

extension String: SQLiteBindable {
    public var bindingByteCount: Int { utf8.count }

    public func bind(to statement: OpaquePointer, at index: Int32, copyingInto buffer: inout UnsafeMutableRawPointer) -> Int32 {
        var text = self
        return text.withUTF8 { bytes in
            // Empty text still needs a pointer that outlives the call (NULL would bind NULL): the buffer's.
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                return sqlite3_bind_text64(statement, index, buffer.assumingMemoryBound(to: CChar.self), 0, nil, UInt8(SQLITE_UTF8))
            }
            let start = buffer
            start.copyMemory(from: base, byteCount: bytes.count)
            buffer += bytes.count
            return sqlite3_bind_text64(statement, index, start.assumingMemoryBound(to: CChar.self), UInt64(bytes.count), nil,
                                       UInt8(SQLITE_UTF8))
        }
    }

    public func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        var text = self
        // Native strings are contiguous UTF-8; SQLite copies the bytes (TRANSIENT), so no C string is built.
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return sqlite3_bind_text(statement, index, "", 0, nil) }
            return base.withMemoryRebound(to: CChar.self, capacity: bytes.count) {
                sqlite3_bind_text64(statement, index, $0, UInt64(bytes.count), CSQLite_transient(), UInt8(SQLITE_UTF8))
            }
        }
    }
}

extension Array: SQLiteBindable where Element == UInt8 {
    public var bindingByteCount: Int { count }

    public func bind(to statement: OpaquePointer, at index: Int32, copyingInto buffer: inout UnsafeMutableRawPointer) -> Int32 {
        withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return sqlite3_bind_blob64(statement, index, buffer, 0, nil) }
            let start = buffer
            start.copyMemory(from: base, byteCount: bytes.count)
            buffer += bytes.count
            return sqlite3_bind_blob64(statement, index, start, UInt64(bytes.count), nil)
        }
    }

    public func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        withUnsafeBytes {
            sqlite3_bind_blob64(statement, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64($0.count),
                                CSQLite_transient())
        }
    }
}

extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    public var bindingByteCount: Int { self?.bindingByteCount ?? 0 }

    public func bind(to statement: OpaquePointer, at index: Int32, copyingInto buffer: inout UnsafeMutableRawPointer) -> Int32 {
        switch self {
        case .some(let value): value.bind(to: statement, at: index, copyingInto: &buffer)
        case .none: sqlite3_bind_null(statement, index)
        }
    }

    public func bind(to statement: OpaquePointer, at index: Int32) -> Int32 {
        switch self {
        case .some(let value): value.bind(to: statement, at: index)
        case .none: sqlite3_bind_null(statement, index)
        }
    }
}

