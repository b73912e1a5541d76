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
        let defined = try definedDestinations().map(\.name)
        if !defined.isEmpty { known = defined }
        if let unknown = destinations.first(where: { !known.contains($0) }) {
            throw StartupError("--destination: no destination \"\(unknown)\" (known: \(known.joined(separator: ", ")))")
        }
        return destinations.isEmpty ? known : known.filter(destinations.contains)
    }

    /// The partition count of each ordered destination of the sources file.
    func orderedPartitions() throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try definedDestinations().compactMap { d in d.orderedPartitions.map { (d.name, $0) } })
    }

    private func definedDestinations() throws -> [Destination] {
        guard let path = Setting("sources-file", env: "WD_SOURCES_FILE").optionalString(sourcesFile) else { return [] }
        return try SourcesConfig.load(path: path).destinations
    }
}
