import ArgumentParser
import DedupCore

/// `--sources-file` and `--destination` for the commands that look at delivery (`stats`,
/// `dead-letters`): which destinations exist, and which of them to show.
struct DestinationOptions: ParsableArguments {
    @Option(name: .customLong("sources-file"), help: "JSON or YAML file with the destinations: section (env WD_SOURCES_FILE, default none)")
    var sourcesFile: String?

    @Option(name: .customLong("destination"), help: "Only this destination; repeatable (default: every destination)")
    var destinations: [String] = []

    /// The destinations named, or every one the sources file defines (`default` without one).
    func resolved() throws -> [String] {
        var known = [Destination.defaultName]
        if let path = Setting("sources-file", env: "WD_SOURCES_FILE").optionalString(sourcesFile) {
            let defined = try SourcesConfig.load(path: path).destinations.map(\.name)
            if !defined.isEmpty { known = defined }
        }
        if let unknown = destinations.first(where: { !known.contains($0) }) {
            throw StartupError("--destination: no destination \"\(unknown)\" (known: \(known.joined(separator: ", ")))")
        }
        return destinations.isEmpty ? known : known.filter(destinations.contains)
    }
}
