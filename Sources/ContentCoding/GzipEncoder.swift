import CLibdeflate
import CZlib
import Foundation

/// Compresses with zlib: for the load generator and tests.
public enum DeflateEncoder {
    public enum Format: Sendable {
        case gzip, zlib, raw

        var windowBits: Int32 {
            switch self {
            case .gzip: 15 + 16
            case .zlib: 15
            case .raw: -15
            }
        }
    }

    public static func compress(_ input: [UInt8], format: Format = .gzip, level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        guard CZlib_deflateInit2(&stream, level, format.windowBits) == Z_OK else { return [] }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 32)
        let produced = input.withUnsafeBufferPointer { inp in
            output.withUnsafeMutableBufferPointer { out in
                stream.next_in = UnsafeMutablePointer(mutating: inp.baseAddress)
                stream.avail_in = uInt(inp.count)
                stream.next_out = out.baseAddress
                stream.avail_out = uInt(out.count)
                _ = deflate(&stream, Z_FINISH)
                return out.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(produced...)
        return output
    }
}

/// Gzip at libdeflate's fastest level, for bodies that scrubbing changed on ingest. Compressors are kept and
/// reused: each one holds a few hundred KiB of tables, and allocating them per body (zlib's deflateInit does
/// the same) cost more than the compression.
public enum FastGzip {
    private static let pool = CompressorPool()

    /// The gzip bytes, or nil when libdeflate could not compress (the caller stores the body uncompressed).
    public static func compress(_ input: [UInt8]) -> [UInt8]? {
        guard let compressor = pool.take() else { return nil }
        defer { pool.give(compressor) }
        let bound = libdeflate_gzip_compress_bound(compressor, input.count)
        var produced = 0
        let output = [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            produced = input.withUnsafeBytes { inp in
                libdeflate_gzip_compress(compressor, inp.baseAddress, inp.count, buffer.baseAddress, bound)
            }
            count = produced
        }
        return produced > 0 ? output : nil
    }
}

private final class CompressorPool: @unchecked Sendable {
    // Invariant: `free` is guarded by `lock`.
    private let lock = NSLock()
    private var free: [OpaquePointer] = []
    private let keep = 4

    func take() -> OpaquePointer? {
        lock.lock()
        let reused = free.popLast()
        lock.unlock()
        return reused ?? libdeflate_alloc_compressor(1)
    }

    func give(_ compressor: OpaquePointer) {
        lock.lock()
        if free.count < keep {
            free.append(compressor)
            lock.unlock()
        } else {
            lock.unlock()
            libdeflate_free_compressor(compressor)
        }
    }
}
