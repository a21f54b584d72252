import CommandLineOptions
import Foundation

/// A `faultline serve` child process on a fresh data directory, for one benchmark run.
final class BenchServer {
    let process = Process()
    let data: String
    private(set) var port = 0
    /// Read from the banner of a new data directory; set by the caller for a prepared one.
    var publicKey = ""
    var projectID = ""

    /// `data`: a directory prepared beforehand (the API benchmark's seeded one); by default a new empty one.
    init(binary: String, extraArguments: [String], data: String? = nil) throws {
        self.data = data ?? FileManager.default.temporaryDirectory.appendingPathComponent("faultline-bench-\(UUID().uuidString)").path
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--listen", "127.0.0.1:0", "--data", self.data, "--log-level", "info"] + extraArguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        var stdoutText = ""
        var stderrText = ""
        let deadline = Date().addingTimeInterval(30)
        // A prepared directory prints its DSNs in another form; only the port is needed then.
        while (port == 0 || (publicKey.isEmpty && data == nil)) && Date() < deadline {
            stderrText += String(decoding: err.fileHandleForReading.availableData, as: UTF8.self)
            stdoutText += String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            for line in stderrText.split(separator: "\n") where line.contains("\"msg\":\"listening\"") {
                if let range = line.range(of: "\"port\":\""), let end = line[range.upperBound...].firstIndex(of: "\"") {
                    port = Int(line[range.upperBound..<end]) ?? 0
                }
            }
            for line in stdoutText.split(separator: "\n") where line.contains("DSN:") {
                let dsn = line.split(separator: " ").last.map(String.init) ?? ""
                if let at = dsn.firstIndex(of: "@"), let slashes = dsn.range(of: "//") {
                    publicKey = String(dsn[slashes.upperBound..<at])
                    projectID = String(dsn.split(separator: "/").last ?? "")
                }
            }
        }
        guard port != 0, !publicKey.isEmpty || data != nil else {
            process.terminate()
            throw CommandError("the server did not start: \(stderrText)")
        }
        // Keep draining its output so it never blocks on a full pipe.
        out.fileHandleForReading.readabilityHandler = { _ = $0.availableData }
        err.fileHandleForReading.readabilityHandler = { _ = $0.availableData }
    }

    /// Peak resident memory (VmHWM) in MiB.
    var peakRSSMiB: Double {
        guard let status = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }

    /// CPU seconds (user + system) the server has used.
    var cpuSeconds: Double {
        guard let stat = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return 0 }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let ticks = (Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)
        return ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Mean commit batch size and commit time (ms), from the server's /metrics.
    func commitStatistics() -> (batch: Double, commitMillis: Double) {
        let fd = LoadGenerator.connect(port)
        guard fd >= 0 else { return (0, 0) }
        defer { close(fd) }
        let request = Array("GET /metrics HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n".utf8)
        _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var text: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            text += buffer[0..<n]
        }
        var values: [String: Double] = [:]
        for line in String(decoding: text, as: UTF8.self).split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            if parts.count == 2 { values[String(parts[0])] = Double(parts[1]) }
        }
        let batches = values["faultline_commit_batch_size_count"] ?? 0
        guard batches > 0 else { return (0, 0) }
        return ((values["faultline_commit_batch_size_sum"] ?? 0) / batches,
                (values["faultline_commit_seconds_sum"] ?? 0) / batches * 1000)
    }

    func stop() -> Int32 {
        process.interrupt()
        process.waitUntilExit()
        return process.terminationStatus
    }

    func removeData() {
        try? FileManager.default.removeItem(atPath: data)
    }
}

/// Where the server binary is when none is named: `faultline` in this binary's own directory (both are built into
/// `.build/release/`).
enum ServerBinary {
    static var besideThisOne: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("faultline").path
    }
}
