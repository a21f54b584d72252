import CZlib

/// A gzip body with holes: the text is compressed once, split around each occurrence of a marker
/// (an event id), and every `render(replacement:)` splices a new value into the holes as stored deflate
/// blocks. The load generator uses it to send distinct, realistically compressed events at ~1 µs each
/// instead of gzipping every request.
public struct GzipTemplate: Sendable {
    private let chunks: [[UInt8]]
    private let segmentCRCs: [UInt]
    /// `crc32_combine_op` operators for appending each segment and the replacement, generated once:
    /// `crc32_combine` rebuilds them on every call, which made it most of a render.
    private let segmentOps: [UInt]
    private let markerOp: UInt
    private let plainLength: Int
    private let markerLength: Int

    /// The size of every rendered body: the replacement has the marker's length.
    public var renderedCount: Int {
        10 + chunks.reduce(0) { $0 + $1.count } + (chunks.count - 1) * (5 + markerLength) + 8
    }

    /// `text` split at every occurrence of `marker`; nil when the marker does not occur.
    public init?(text: [UInt8], marker: [UInt8]) {
        var segments: [[UInt8]] = []
        var start = 0
        var i = 0
        while i + marker.count <= text.count {
            if text[i..<(i + marker.count)].elementsEqual(marker) {
                segments.append(Array(text[start..<i]))
                i += marker.count
                start = i
            } else {
                i += 1
            }
        }
        guard !segments.isEmpty else { return nil }
        segments.append(Array(text[start...]))
        markerLength = marker.count
        plainLength = text.count
        segmentOps = segments.map { UInt(crc32_combine_gen(off_t($0.count))) }
        markerOp = UInt(crc32_combine_gen(off_t(marker.count)))
        segmentCRCs = segments.map { s in s.withUnsafeBufferPointer { UInt(crc32(0, $0.baseAddress, uInt($0.count))) } }

        var stream = z_stream()
        guard CZlib_deflateInit2(&stream, 6, -15) == Z_OK else { return nil }
        defer { deflateEnd(&stream) }
        var out: [[UInt8]] = []
        for (index, segment) in segments.enumerated() {
            // A full flush ends byte-aligned with no back-references across the hole.
            let flush = index == segments.count - 1 ? Z_FINISH : Z_FULL_FLUSH
            var chunk = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(segment.count))) + 64)
            let produced = segment.withUnsafeBufferPointer { input in
                chunk.withUnsafeMutableBufferPointer { output in
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                    stream.avail_in = uInt(input.count)
                    stream.next_out = output.baseAddress
                    stream.avail_out = uInt(output.count)
                    _ = deflate(&stream, flush)
                    return output.count - Int(stream.avail_out)
                }
            }
            out.append(Array(chunk[0..<produced]))
        }
        chunks = out
    }

    /// The gzip bytes with `replacement` (as long as the marker) in every hole.
    public func render(replacement: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(renderedCount)
        render(replacement: replacement, into: &out)
        return out
    }

    /// Appends the gzip bytes with `replacement` in every hole to `out`.
    public func render(replacement: [UInt8], into out: inout [UInt8]) {
        precondition(replacement.count == markerLength && markerLength <= 65535)
        out.append(contentsOf: [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff])
        let len = UInt16(markerLength)
        let replacementCRC = replacement.withUnsafeBufferPointer { UInt(crc32(0, $0.baseAddress, uInt($0.count))) }
        var crc = segmentCRCs[0]
        for i in 0..<chunks.count {
            out.append(contentsOf: chunks[i])
            guard i < chunks.count - 1 else { break }
            // A stored block (BFINAL=0, BTYPE=00), LEN and its one's complement, then the bytes.
            out.append(contentsOf: [0, UInt8(len & 0xFF), UInt8(len >> 8), UInt8(~len & 0xFF), UInt8(~len >> 8)])
            out.append(contentsOf: replacement)
            crc = UInt(crc32_combine_op(uLong(crc), uLong(replacementCRC), uLong(markerOp)))
            crc = UInt(crc32_combine_op(uLong(crc), uLong(segmentCRCs[i + 1]), uLong(segmentOps[i + 1])))
        }
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8((crc >> UInt(shift)) & 0xFF)) }
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8((plainLength >> shift) & 0xFF)) }
    }
}
