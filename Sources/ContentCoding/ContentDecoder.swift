import CBrotli
import CLibdeflate
import CZlib
import CZstd
import Synchronization

/// Undoes `Content-Encoding`, never producing more than `limit` bytes: a bomb fails fast with
/// `.tooLarge` after at most `limit` bytes of output, never an out-of-memory.
public enum ContentDecoder {
    /// Decodes `body` encoded with `encodings` (in the order they were applied).
    public static func decode(_ body: [UInt8], encodings: [ContentEncoding], limit: Int) throws(ContentDecodingError) -> [UInt8] {
        var bytes = body
        for encoding in encodings.reversed() {
            bytes = try decode(bytes, encoding: encoding, limit: limit)
        }
        if encodings.isEmpty && bytes.count > limit { throw .tooLarge(limit: limit) }
        return bytes
    }

    /// The first `maxBytes` decoded bytes (fewer when the body is shorter), whatever follows: a truncated or
    /// oversized stream is not an error here. For reading an envelope's header before its sender is known, with
    /// work bounded by `maxBytes`, not by the 200 MiB a whole envelope may inflate to.
    public static func decodePrefix(_ body: [UInt8], encodings: [ContentEncoding], maxBytes: Int) throws(ContentDecodingError) -> [UInt8] {
        var bytes = body
        for encoding in encodings.reversed() {
            bytes = try decode(bytes, encoding: encoding, limit: maxBytes, truncating: true)
        }
        return bytes.count > maxBytes ? Array(bytes[..<maxBytes]) : bytes
    }

    public static func decode(_ body: [UInt8], encoding: ContentEncoding, limit: Int) throws(ContentDecodingError) -> [UInt8] {
        try decode(body, encoding: encoding, limit: limit, truncating: false)
    }

    /// `truncating`: past `limit`, or at a stream's premature end, answer what was decoded instead of failing.
    private static func decode(_ body: [UInt8], encoding: ContentEncoding, limit: Int, truncating: Bool) throws(ContentDecodingError) -> [UInt8] {
        switch encoding {
        case .identity:
            if truncating { return Array(body.prefix(limit)) }
            guard body.count <= limit else { throw .tooLarge(limit: limit) }
            return body
        case .gzip:
            if let fast = gunzipWhole(body, limit: limit) { return fast }
            return try inflate(body, windowBits: 15 + 16, encoding: .gzip, limit: limit, truncating: truncating)
        case .deflate:
            // RFC 9110 says zlib-wrapped (RFC 1950), but some clients send raw RFC 1951 (Bugsink only
            // accepts that form); the two-byte zlib header check tells them apart.
            let zlibWrapped = body.count >= 2 && body[0] & 0x0F == 8 && body[0] >> 4 <= 7
                && (UInt16(body[0]) << 8 | UInt16(body[1])) % 31 == 0
            return try inflate(body, windowBits: zlibWrapped ? 15 : -15, encoding: .deflate, limit: limit, truncating: truncating)
        case .br:
            return try brotli(body, limit: limit, truncating: truncating)
        case .zstd:
            return try zstd(body, limit: limit, truncating: truncating)
        }
    }

    /// One-shot gunzip with libdeflate into a buffer of the size the gzip trailer states. Nil whenever it cannot
    /// be sure (no plausible size, several members, any error): zlib's streaming path then decides, so the
    /// errors and limits seen by clients come from one place.
    private static func gunzipWhole(_ body: [UInt8], limit: Int) -> [UInt8]? {
        guard body.count >= 18 else { return nil }
        let n = body.count
        let isize = Int(body[n - 4]) | Int(body[n - 3]) << 8 | Int(body[n - 2]) << 16 | Int(body[n - 1]) << 24
        // DEFLATE expands at most ~1032:1; a larger claim is a lie or a bomb for zlib to handle.
        guard isize > 0, isize <= limit, isize <= body.count * 1032 else { return nil }
        guard let decompressor = DecompressorPool.take() else { return nil }
        defer { DecompressorPool.give(decompressor) }
        var actualIn = 0
        var actualOut = 0
        var result = LIBDEFLATE_BAD_DATA
        let output = [UInt8](unsafeUninitializedCapacity: isize) { buffer, count in
            result = body.withUnsafeBytes { input in
                libdeflate_gzip_decompress_ex(decompressor, input.baseAddress, input.count,
                                              buffer.baseAddress, isize, &actualIn, &actualOut)
            }
            count = result == LIBDEFLATE_SUCCESS ? actualOut : 0
        }
        guard result == LIBDEFLATE_SUCCESS, actualIn == body.count, actualOut == isize else { return nil }
        return output
    }

    /// A first guess at the output size: gzip's trailer states it (mod 2^32); otherwise assume 4:1.
    private static func initialCapacity(_ body: [UInt8], windowBits: Int32, limit: Int) -> Int {
        if windowBits == 31, body.count >= 18 {
            let n = body.count
            let isize = Int(body[n - 4]) | Int(body[n - 3]) << 8 | Int(body[n - 2]) << 16 | Int(body[n - 1]) << 24
            if isize > 0 && isize <= limit && isize <= body.count * 1032 { return isize + 1 }
        }
        return min(limit + 1, max(4096, body.count * 4))
    }

    private static func inflate(_ body: [UInt8], windowBits: Int32, encoding: ContentEncoding, limit: Int,
                                truncating: Bool) throws(ContentDecodingError) -> [UInt8] {
        guard !body.isEmpty else { throw .corrupt(encoding, "empty body") }
        var stream = z_stream()
        guard CZlib_inflateInit2(&stream, windowBits) == Z_OK else { throw .corrupt(encoding, "cannot initialise zlib") }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: initialCapacity(body, windowBits: windowBits, limit: limit))
        var produced = 0
        var status: Int32 = Z_OK
        body.withUnsafeBufferPointer { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
            stream.avail_in = uInt(input.count)
            while true {
                if produced == output.count {
                    if output.count > limit { status = Z_MEM_ERROR; return }
                    output.append(contentsOf: repeatElement(0, count: min(output.count, limit + 1 - output.count)))
                }
                status = output.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress! + produced
                    stream.avail_out = uInt(out.count - produced)
                    let r = CZlib.inflate(&stream, Z_NO_FLUSH)
                    produced = out.count - Int(stream.avail_out)
                    return r
                }
                if status == Z_STREAM_END { return }
                if status == Z_OK && stream.avail_out == 0 { continue }
                if status == Z_OK || status == Z_BUF_ERROR {
                    // More output room was available, so zlib stopped for lack of input.
                    if stream.avail_out > 0 { status = Z_BUF_ERROR; return }
                    continue
                }
                return
            }
        }
        if truncating && (produced > limit || status == Z_MEM_ERROR || status == Z_BUF_ERROR) {
            return Array(output[0..<min(produced, limit)])
        }
        if produced > limit || status == Z_MEM_ERROR { throw .tooLarge(limit: limit) }
        switch status {
        case Z_STREAM_END:
            output.removeSubrange(produced...)
            return output
        case Z_BUF_ERROR:
            throw .corrupt(encoding, "truncated stream")
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "error \(status)"
            throw .corrupt(encoding, message)
        }
    }

    private static func brotli(_ body: [UInt8], limit: Int, truncating: Bool) throws(ContentDecodingError) -> [UInt8] {
        guard !body.isEmpty else { throw .corrupt(.br, "empty body") }
        guard let state = BrotliDecoderCreateInstance(nil, nil, nil) else { throw .corrupt(.br, "cannot initialise") }
        defer { BrotliDecoderDestroyInstance(state) }
        var output = [UInt8](repeating: 0, count: min(limit + 1, max(4096, body.count * 4)))
        var produced = 0
        var result = BROTLI_DECODER_RESULT_ERROR
        body.withUnsafeBufferPointer { input in
            var availableIn = input.count
            var nextIn = input.baseAddress
            while true {
                if produced == output.count {
                    if output.count > limit { return }
                    output.append(contentsOf: repeatElement(0, count: min(output.count, limit + 1 - output.count)))
                }
                result = output.withUnsafeMutableBufferPointer { out in
                    var availableOut = out.count - produced
                    var nextOut: UnsafeMutablePointer<UInt8>? = out.baseAddress! + produced
                    let r = BrotliDecoderDecompressStream(state, &availableIn, &nextIn, &availableOut, &nextOut, nil)
                    produced = out.count - availableOut
                    return r
                }
                if result != BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT { return }
            }
        }
        if truncating && (produced > limit || result == BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT) {
            return Array(output[0..<min(produced, limit)])
        }
        if produced > limit { throw .tooLarge(limit: limit) }
        switch result {
        case BROTLI_DECODER_RESULT_SUCCESS:
            output.removeSubrange(produced...)
            return output
        case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:
            throw .corrupt(.br, "truncated stream")
        default:
            let code = BrotliDecoderGetErrorCode(state)
            throw .corrupt(.br, String(cString: BrotliDecoderErrorString(code)))
        }
    }

    private static func zstd(_ body: [UInt8], limit: Int, truncating: Bool) throws(ContentDecodingError) -> [UInt8] {
        guard !body.isEmpty else { throw .corrupt(.zstd, "empty body") }
        guard let context = ZSTD_createDCtx() else { throw .corrupt(.zstd, "cannot initialise") }
        defer { ZSTD_freeDCtx(context) }
        // Bound the decoder's window memory (a frame may ask for up to 2 GiB).
        ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, 24)
        var output = [UInt8](repeating: 0, count: min(limit + 1, max(4096, body.count * 4)))
        var produced = 0
        var failure: String?
        var finished = false
        body.withUnsafeBufferPointer { input in
            var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
            while true {
                if produced == output.count {
                    if output.count > limit { return }
                    output.append(contentsOf: repeatElement(0, count: min(output.count, limit + 1 - output.count)))
                }
                let hint = output.withUnsafeMutableBufferPointer { out in
                    var outBuffer = ZSTD_outBuffer(dst: out.baseAddress, size: out.count, pos: produced)
                    let r = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
                    produced = outBuffer.pos
                    return r
                }
                if ZSTD_isError(hint) != 0 {
                    failure = String(cString: ZSTD_getErrorName(hint))
                    return
                }
                if hint == 0 && inBuffer.pos == inBuffer.size { finished = true; return }
                if inBuffer.pos == inBuffer.size && produced < output.count { return }
            }
        }
        if truncating && (produced > limit || (failure == nil && !finished)) { return Array(output[0..<min(produced, limit)]) }
        if produced > limit { throw .tooLarge(limit: limit) }
        if let failure { throw .corrupt(.zstd, failure) }
        guard finished else { throw .corrupt(.zstd, "truncated stream") }
        output.removeSubrange(produced...)
        return output
    }
}

/// libdeflate decompressors kept between requests: allocating one (its tables take ~10 KiB) cost more than
/// a lock. A decompressor holds no state from one call to the next.
private enum DecompressorPool {
    /// Used by one thread at a time: taken out of the pool for one call.
    private struct Handle: @unchecked Sendable { let pointer: OpaquePointer }
    private static let free = Mutex<[Handle]>([])

    static func take() -> OpaquePointer? {
        free.withLock { $0.popLast() }?.pointer ?? libdeflate_alloc_decompressor()
    }

    static func give(_ decompressor: OpaquePointer) {
        let kept = free.withLock { pool in
            guard pool.count < 16 else { return false }
            pool.append(Handle(pointer: decompressor))
            return true
        }
        if !kept { libdeflate_free_decompressor(decompressor) }
    }
}
