public import Foundation

/// Per-source rules from `WD_SOURCES_FILE` (JSON or YAML).
///
/// ```yaml
/// sources:
///   evolution:
///     key: ["/data/key/id", "header:X-Request-Id"]
///     ignore: ["/date_time", "/data/messageTimestamp"]
///     ttl: 3600
///     auth: { type: token, header: X-Webhook-Token, secret_env: EVO_TOKEN }
///     rate_limit: { rate: 100, per_seconds: 1, burst: 20 }
/// ```
///
/// Everything is validated and every secret resolved (from the file, the environment or a secret
/// file) when the file loads, so a receiver either starts with a complete configuration or refuses
/// to start with one line naming the problem.
public struct SourcesConfig: Sendable, Equatable {
    public enum Format: String, Sendable {
        case json
        case yaml
    }

    public var sources: [String: SourceRule] {
        didSet { tabulateRouting() }
    }
    /// The `destinations:` section in file order; empty when the file has none, and then every source
    /// goes to the one destination `WD_DOWNSTREAM_URL` names.
    public var destinations: [Destination] {
        didSet { tabulateRouting() }
    }
    /// Each listed source's routing, and that of each profile name the file does not list; kept in
    /// step with `sources` and `destinations`, so a request looks its source up and computes nothing
    /// else about it.
    private var routingTable: [String: SourceRouting] = [:]
    /// The routing of a source that is neither listed nor named after a profile.
    private var unlistedRouting: SourceRouting

    public init(sources: [String: SourceRule] = [:], destinations: [Destination] = []) {
        self.sources = sources
        self.destinations = destinations
        unlistedRouting = SourceRouting(rule: nil, destinations: destinations)
        tabulateRouting()
    }

    /// The source's rule; a source the file does not list but that is named after a sender profile
    /// (`/webhook/stripe`) gets that profile's defaults.
    public func rule(for source: String) -> SourceRule? {
        routing(for: source).rule
    }

    func routing(for source: String) -> SourceRouting {
        routingTable[source] ?? unlistedRouting
    }

    private mutating func tabulateRouting() {
        let rules = sources.merging(SourceRule.profileDefaults) { listed, _ in listed }
        routingTable = rules.mapValues { SourceRouting(rule: $0, destinations: destinations) }
        unlistedRouting = SourceRouting(rule: nil, destinations: destinations)
    }

    /// Reads and parses the file at `path`. The format follows the extension (`.json`, `.yaml`,
    /// `.yml`), else the content. A relative `secret_file` is resolved against the file's folder,
    /// so the file and its secrets can be mounted together.
    public static func load(
        path: String,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ConfigError) -> SourcesConfig {
        let origin = "sources file \(path)"
        let text: String
        do {
            text = try readText(path)
        } catch {
            throw ConfigError("\(origin): \(error.message)")
        }
        let lowered = path.lowercased()
        let format: Format? =
            lowered.hasSuffix(".json") ? .json : (lowered.hasSuffix(".yaml") || lowered.hasSuffix(".yml")) ? .yaml : nil
        let folder = (path as NSString).deletingLastPathComponent
        return try parse(text, format: format, origin: path, environment: environment, baseDirectory: folder)
    }

    /// Parses sources-file text.
    /// - Parameters:
    ///   - format: nil picks JSON when the text starts with `{`, YAML otherwise.
    ///   - origin: the file path shown in errors.
    ///   - environment: where `secret_env` is looked up.
    ///   - baseDirectory: where a relative `secret_file` is looked up (default: the working directory).
    public static func parse(
        _ text: String,
        format: Format? = nil,
        origin: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        baseDirectory: String? = nil
    ) throws(ConfigError) -> SourcesConfig {
        let parser = SourcesConfigParser(
            origin: origin.map { "sources file \($0)" } ?? "sources file",
            environment: environment,
            baseDirectory: baseDirectory
        )
        return try parser.parse(text, format: format ?? detectFormat(text))
    }

    static func detectFormat(_ text: String) -> Format {
        let first = text.unicodeScalars.first { !$0.properties.isWhitespace }
        return first == "{" ? .json : .yaml
    }

    /// File contents as UTF-8 text, with a short reason on failure (never the contents).
    static func readText(_ path: String) throws(ConfigError) -> String {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfigError("cannot read (no such file)")
        }
        guard !isDirectory.boolValue else { throw ConfigError("cannot read (is a directory)") }
        guard let data = manager.contents(atPath: path) else { throw ConfigError("cannot read (permission denied)") }
        guard let text = String(data: data, encoding: .utf8) else { throw ConfigError("is not valid UTF-8") }
        return text
    }
}
