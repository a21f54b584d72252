import Foundation
import PackagePlugin

/// Embeds every file under `Resources/Dashboard/` into the `DashboardAssets` module, so the dashboards ship inside
/// the one binary. SwiftPM's own `.embedInCode` writes byte-array literals, which took 70 s to compile for 160 KB;
/// `AssetEmbedder` writes base64 string literals instead, which compile at once.
@main
struct DashboardAssetsPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: any Target) throws -> [Command] {
        let root = context.package.directoryURL.appending(path: "Resources/Dashboard")
        var inputs: [URL] = []
        if let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) {
            for case let url as URL in files
            where (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                inputs.append(url)
            }
        }
        inputs.sort { $0.path < $1.path }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedAssets.swift")
        return [.buildCommand(displayName: "Embedding \(inputs.count) dashboard files",
                              executable: try context.tool(named: "AssetEmbedder").url,
                              arguments: [output.path, root.path] + inputs.map(\.path),
                              inputFiles: inputs, outputFiles: [output])]
    }
}
