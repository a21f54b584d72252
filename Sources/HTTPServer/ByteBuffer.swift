#if canImport(Glibc)
import Glibc
#endif

/// A growable byte buffer that `read(2)` can fill in place, with a reader index so consumed bytes
/// are dropped without shifting on every request. Not thread-safe: owned by one connection.
struct ByteBuffer: ~Copyable {
    private var storage: UnsafeMutableRawPointer?
    private(set) var capacity = 0
    private var readerIndex = 0
    private var writerIndex = 0

    init() {}

    deinit { free(storage) }

    var readableCount: Int { writerIndex - readerIndex }
    var isEmpty: Bool { readerIndex == writerIndex }

    /// Makes room for at least `count` more bytes and returns the writable region.
    mutating func reserveWritable(_ count: Int) -> UnsafeMutableRawBufferPointer {
        if capacity - writerIndex < count {
            if readerIndex > 0 {
                // Compact first: the unread tail is usually small.
                let unread = readableCount
                if unread > 0, let storage { memmove(storage, storage + readerIndex, unread) }
                readerIndex = 0
                writerIndex = unread
            }
            if capacity - writerIndex < count {
                var newCapacity = max(capacity, 4096)
                while newCapacity - writerIndex < count { newCapacity *= 2 }
                storage = realloc(storage, newCapacity)
                precondition(storage != nil, "out of memory")
                capacity = newCapacity
            }
        }
        return UnsafeMutableRawBufferPointer(start: storage! + writerIndex, count: capacity - writerIndex)
    }

    mutating func didWrite(_ count: Int) { writerIndex += count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        let region = reserveWritable(bytes.count)
        region.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        writerIndex += bytes.count
    }

    func withReadable<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard let storage else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(UnsafeRawBufferPointer(start: storage + readerIndex, count: readableCount))
    }

    mutating func consume(_ count: Int) {
        readerIndex += count
        if readerIndex == writerIndex {
            readerIndex = 0
            writerIndex = 0
        }
    }

    /// Gives memory back once empty, so thousands of idle keep-alive connections stay cheap.
    mutating func shrinkIfEmpty(above limit: Int) {
        if isEmpty && capacity > limit {
            free(storage)
            storage = nil
            capacity = 0
        }
    }
}
