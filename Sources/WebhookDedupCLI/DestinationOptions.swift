import ArgumentParser
import DedupCore
import Foundation

/// `--sources-file` and `--destination` for every command that works on destinations (`deliver`,
/// `stats`, `dead-letters`, `console`): which destinations exist, and which of them to serve or show.
/// One definition, so that the flags, `WD_SOURCES_FILE` and `WD_DESTINATIONS` mean the same to each
/// command: a deliverer's environment given to `stats` shows what that deliverer serves.
struct DestinationOptions: ParsableArguments {
    @Option(name: .customLong("sources-file"), help: "JSON or YAML file with the destinations: section (env WD_SOURCES_FILE, default none)")
    var sourcesFile: String?

    @Option(
        name: .customLong("destination"),
        help: "Only this destination; repeatable (env WD_DESTINATIONS, comma separated; default: every destination)")
    var destinations: [String] = []

    private static let selection = Setting("destination", env: "WD_DESTINATIONS")

    /// The destinations named, or every one the sources file defines (`default` without one).
    func resolved() throws -> [String] {
        try resolved(among: defined())
    }

    /// The destinations named among `defined` (the sources file's), or every one of them (`default`
    /// when there are none). A name that is not one of them stops start-up.
    func resolved(among defined: [Destination]) throws -> [String] {
        let known = defined.isEmpty ? [Destination.defaultName] : defined.map(\.name)
        let (names, origin) = selected()
        if let unknown = names.first(where: { !known.contains($0) }) {
            throw StartupError("\(origin): no destination \"\(unknown)\" (known: \(known.joined(separator: ", ")))")
        }
        return names.isEmpty ? known : known.filter(names.contains)
    }

    /// The partition count of each ordered destination of the sources file.
    func orderedPartitions() throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try defined().compactMap { d in d.orderedPartitions.map { (d.name, $0) } })
    }

    /// The sources file's destinations; none without a file.
    func defined() throws -> [Destination] {
        guard let path = Setting("sources-file", env: "WD_SOURCES_FILE").optionalString(sourcesFile) else { return [] }
        return try SourcesConfig.load(path: path).destinations
    }

    /// The names given with `--destination`, else in `WD_DESTINATIONS` (comma separated), and how to
    /// name where they came from in an error.
    private func selected() -> (names: [String], origin: String) {
        if !destinations.isEmpty { return (destinations, "--destination") }
        let list = Self.selection.optionalString(nil) ?? ""
        let names = list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return (names, "WD_DESTINATIONS (--destination)")
    }
}
