import Foundation

/// The dashboards' static files (`Resources/Dashboard/`), compiled into the binary by `DashboardAssetsPlugin`.
public enum DashboardAssets {
    /// Every file by its path under `Resources/Dashboard/` (`index.html`, `js/app.js`…), decoded once.
    public static let files: [String: [UInt8]] = {
        var files: [String: [UInt8]] = [:]
        for (path, base64) in EmbeddedAssets.files {
            let text = base64.withUTF8Buffer { String(decoding: $0, as: UTF8.self) }
            if let data = Data(base64Encoded: text) { files[path] = Array(data) }
        }
        return files
    }()
}
