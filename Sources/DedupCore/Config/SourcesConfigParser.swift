internal import Foundation

/// Turns a parsed sources file into ``SourcesConfig``, rejecting anything it does not understand.
///
/// Unknown fields are errors rather than ignored: a misspelt `ingore` that silently did nothing
/// would make every retry of that sender a new message.
struct SourcesConfigParser {
    let origin: String
    let environment: [String: String]
    let baseDirectory: String?
    /// What the name in an error message is: `source "evo"` or `destination "bot"`.
    var subject = "source"

    private static let sourceFields = [
        "profile", "key", "ignore", "ttl", "auth", "rate_limit", "verify_token_env", "public_url", "drop_apikey", "routes",
    ]
    private static let authFields = ["type", "header", "secret", "secret_env", "secret_file"]
    private static let rateLimitFields = ["rate", "per_seconds", "burst"]

    func parse(_ text: String, format: SourcesConfig.Format) throws(ConfigError) -> SourcesConfig {
        let root: ConfigValue
        do {
            root = try format == .json ? ConfigValue.parseJSON(text) : ConfigValue.parseYAML(text)
        } catch {
            throw ConfigError("\(origin): \(error.message)")
        }
        guard case .map(let top) = root else {
            throw ConfigError("\(origin): expected a mapping with a \"sources\" field, got \(root.kindName)")
        }
        var sources: [String: SourceRule] = [:]
        // Destinations first, wherever they are written: routes name them.
        let destinations = try parseDestinations(top.first { $0.key == "destinations" }?.value)
        for (field, value) in top where field != "destinations" {
            guard field == "sources" else {
                throw ConfigError("\(origin): unknown top-level field \"\(field)\" (expected: sources, destinations)")
            }
            switch value {
            case .null:
                continue
            case .map(let entries):
                for (name, body) in entries {
                    sources[name] = try parseSource(name, body)
                }
            default:
                throw ConfigError("\(origin): \"sources\" must be a mapping of source names, got \(value.kindName)")
            }
        }
        try checkRoutes(sources, destinations: destinations)
        try checkOrdering(sources, destinations: destinations)
        return SourcesConfig(sources: sources, destinations: destinations)
    }

    func fail(_ name: String, _ message: String) -> ConfigError {
        ConfigError("\(origin): \(subject) \"\(name)\": \(message)")
    }

    private func parseSource(_ name: String, _ body: ConfigValue) throws(ConfigError) -> SourceRule {
        // The router's rule for `/webhook/{source}`: a name it could never route would be dead config.
        guard SourceName.isValid(name) else {
            throw ConfigError("\(origin): source name \"\(name)\" is not valid (1-64 of A-Za-z0-9._-, as in /webhook/{source})")
        }
        let fields: [(key: String, value: ConfigValue)]
        switch body {
        case .null: fields = []
        case .map(let pairs): fields = pairs
        default: throw fail(name, "expected a mapping of rule fields, got \(body.kindName)")
        }
        // The profile first: it supplies defaults (window, auth type) the other fields refine.
        let profile = try parseProfile(name, fields.first { $0.key == "profile" }?.value)
        var rule = profile.map(SourceRule.init(profile:)) ?? SourceRule()
        var publicURL: String?
        for (field, value) in fields {
            switch field {
            case "profile":
                continue
            case "drop_apikey":
                guard profile?.name == "evolution" else { throw fail(name, "drop_apikey is only used by the evolution profile") }
                guard case .bool(let drop) = value else { throw fail(name, "drop_apikey must be true or false, got \(value.kindName)") }
                rule.redactedFields = drop ? ["apikey"] : []
            case "public_url":
                guard case .string(let url) = value, url.hasPrefix("https://") || url.hasPrefix("http://") else {
                    throw fail(name, "public_url must be an http:// or https:// URL")
                }
                publicURL = url
            case "verify_token_env":
                guard profile?.handshake == .metaSubscribe else {
                    throw fail(name, "verify_token_env is only used by the meta profile (its GET subscribe handshake)")
                }
                rule.verifyToken = Secret(try environmentValue(name, "verify_token_env", value))
            case "key":
                rule.keyParts = try strings(name, "key", value).map { (label, text) throws(ConfigError) in
                    try keyPart(name, label, text)
                }
            case "ignore":
                rule.ignore = try strings(name, "ignore", value).map { (label, text) throws(ConfigError) in
                    try pointer(name, label, text)
                }
            case "ttl":
                rule.ttl = try positiveInt(name, "ttl", value)
            case "auth":
                rule.auth = try parseAuth(name, value, profile: profile)
            case "rate_limit":
                rule.rateLimit = try parseRateLimit(name, value)
            case "routes":
                rule.routes = try parseRoutes(name, value)
            default:
                throw fail(name, "unknown field \"\(field)\" (expected one of: \(Self.sourceFields.joined(separator: ", ")))")
            }
        }
        // Twilio and Square sign the URL they call, which the receiver cannot see behind a rewriting
        // proxy.
        if let kind = rule.auth?.kind, kind == .twilio || kind == .square {
            guard let publicURL else {
                throw fail(name, "public_url is required by the \(kind.rawValue) signature check (the URL \(kind.rawValue) calls)")
            }
            rule.auth?.publicURL = publicURL
        } else if publicURL != nil {
            throw fail(name, "public_url is only used by the twilio and square signature checks")
        }
        return rule
    }

    /// A single string or a non-empty list of strings, each with the label used in errors
    /// (`key` or `key[1]`).
    func strings(_ source: String, _ field: String, _ value: ConfigValue) throws(ConfigError) -> [(String, String)] {
        switch value {
        case .string(let text):
            return [(field, text)]
        case .array(let items):
            guard !items.isEmpty else { throw fail(source, "\(field) is an empty list (leave it out instead)") }
            var result: [(String, String)] = []
            for (index, item) in items.enumerated() {
                guard case .string(let text) = item else {
                    throw fail(source, "\(field)[\(index)] must be a string, got \(item.kindName)")
                }
                result.append(("\(field)[\(index)]", text))
            }
            return result
        default:
            throw fail(source, "\(field) must be a list of strings, got \(value.kindName)")
        }
    }

    private func keyPart(_ source: String, _ label: String, _ text: String) throws(ConfigError) -> KeyPart {
        if text.hasPrefix("header:") {
            let header = String(text.dropFirst("header:".count)).trimmingCharacters(in: .whitespaces)
            guard Self.isHeaderName(header) else {
                throw fail(source, "\(label) \"\(text)\" does not name a header (header:NAME)")
            }
            return .header(header)
        }
        return .pointer(try pointer(source, label, text))
    }

    /// The root pointer "" is rejected: as a key it would be the whole body, which is what the
    /// built-in rules already do, and as an ignore it would remove everything.
    func pointer(_ source: String, _ label: String, _ text: String) throws(ConfigError) -> JSONPointer {
        let problem = text.isEmpty ? "must start with /" : JSONPointer.problem(in: text)
        if let problem { throw fail(source, "\(label) \"\(text)\" is not a JSON pointer (\(problem))") }
        return JSONPointer(text)!
    }

    func positiveInt(_ source: String, _ field: String, _ value: ConfigValue) throws(ConfigError) -> Int {
        guard case .int(let number) = value else {
            throw fail(source, "\(field) must be a positive integer, got \(value.kindName)")
        }
        guard number > 0 else { throw fail(source, "\(field) must be a positive integer, got \(number)") }
        return number
    }

    func mapping(
        _ source: String,
        _ field: String,
        _ value: ConfigValue,
        allowed: [String]
    ) throws(ConfigError) -> [String: ConfigValue] {
        guard case .map(let pairs) = value else {
            throw fail(source, "\(field) must be a mapping, got \(value.kindName)")
        }
        var result: [String: ConfigValue] = [:]
        for (key, item) in pairs {
            guard allowed.contains(key) else {
                throw fail(source, "unknown field \"\(field).\(key)\" (expected one of: \(allowed.joined(separator: ", ")))")
            }
            result[key] = item
        }
        return result
    }

    /// A `profile:` names one of ``SenderProfile/all``; without it a source named after a profile
    /// gets that one.
    private func parseProfile(_ source: String, _ value: ConfigValue?) throws(ConfigError) -> SenderProfile? {
        guard let value else { return SenderProfile.named(source) }
        let names = SenderProfile.all.map(\.name).joined(separator: ", ")
        guard case .string(let text) = value, let profile = SenderProfile.named(text) else {
            throw fail(source, "profile must be one of: \(names)")
        }
        return profile
    }

    private func parseAuth(_ source: String, _ value: ConfigValue, profile: SenderProfile?) throws(ConfigError) -> AuthRule {
        let fields = try mapping(source, "auth", value, allowed: Self.authFields)
        let kinds = AuthRule.Kind.allCases.map(\.rawValue).joined(separator: ", ")
        var header: String?
        let kind: AuthRule.Kind
        if let typeValue = fields["type"] {
            guard case .string(let typeName) = typeValue else {
                throw fail(source, "auth.type must be a string (one of: \(kinds)), got \(typeValue.kindName)")
            }
            guard let named = AuthRule.Kind(rawValue: typeName) else {
                throw fail(source, "auth.type \"\(typeName)\" is not supported (expected one of: \(kinds))")
            }
            kind = named
        } else if let profile, let profileKind = profile.authKind {
            kind = profileKind
            header = profile.authHeader
        } else {
            throw fail(source, "auth.type is required (one of: \(kinds))")
        }
        if let headerValue = fields["header"] {
            guard kind != .standardWebhooks else {
                throw fail(source, "auth.header is not used by standard-webhooks (it reads webhook-id, webhook-timestamp, webhook-signature)")
            }
            guard case .string(let name) = headerValue, Self.isHeaderName(name) else {
                throw fail(source, "auth.header must be a header name")
            }
            header = name
        }
        let secret = try resolveSecret(source, fields)
        do {
            return try AuthRule(kind: kind, header: header, configuredSecret: secret.value)
        } catch {
            throw fail(source, "auth.\(secret.origin): \(error.message)")
        }
    }

    /// Exactly one of `secret`, `secret_env`, `secret_file`; resolved now so a missing secret stops
    /// start-up instead of rejecting every request later.
    func resolveSecret(
        _ source: String, _ fields: [String: ConfigValue], label: String = "auth"
    ) throws(ConfigError) -> (value: String, origin: String) {
        let given = ["secret", "secret_env", "secret_file"].filter { fields[$0] != nil }
        guard given.count == 1, let field = given.first, let value = fields[field] else {
            throw fail(source, "\(label) needs exactly one of secret, secret_env, secret_file")
        }
        guard case .string(let text) = value else {
            throw fail(source, "\(label).\(field) must be a string, got \(value.kindName)")
        }
        switch field {
        case "secret_env":
            return (try environmentValue(source, "\(label).secret_env", value), "secret_env \"\(text)\"")
        case "secret_file":
            let path = (text.hasPrefix("/") || baseDirectory == nil || baseDirectory == "") ? text : "\(baseDirectory!)/\(text)"
            let contents: String
            do {
                contents = try SourcesConfig.readText(path)
            } catch {
                throw fail(source, "\(label).secret_file \"\(path)\": \(error.message)")
            }
            // Files written with `echo` end in a newline that is not part of the secret.
            var secret = Substring(contents)
            while let last = secret.last, last == "\n" || last == "\r\n" || last == "\r" { secret = secret.dropLast() }
            guard !secret.isEmpty else { throw fail(source, "\(label).secret_file \"\(path)\" is empty") }
            return (String(secret), "secret_file \"\(path)\"")
        default:
            return (text, "secret")
        }
    }

    /// The value of the environment variable a `*_env` field names; unset or empty stops start-up.
    func environmentValue(_ source: String, _ field: String, _ value: ConfigValue) throws(ConfigError) -> String {
        guard case .string(let name) = value else { throw fail(source, "\(field) must be a string, got \(value.kindName)") }
        guard let secret = environment[name] else { throw fail(source, "\(field) \"\(name)\" is not set") }
        guard !secret.isEmpty else { throw fail(source, "\(field) \"\(name)\" is empty") }
        return secret
    }

    private func parseRateLimit(_ source: String, _ value: ConfigValue) throws(ConfigError) -> RateLimitRule {
        let fields = try mapping(source, "rate_limit", value, allowed: Self.rateLimitFields)
        guard let rateValue = fields["rate"] else { throw fail(source, "rate_limit.rate is required") }
        let rate = try positiveInt(source, "rate_limit.rate", rateValue)
        let per = try fields["per_seconds"].map { v throws(ConfigError) in try positiveInt(source, "rate_limit.per_seconds", v) } ?? 1
        let burst = try fields["burst"].map { v throws(ConfigError) in try positiveInt(source, "rate_limit.burst", v) }
        return RateLimitRule(rate: rate, perSeconds: per, burst: burst)
    }

    /// An RFC 9110 token.
    static func isHeaderName(_ name: String) -> Bool {
        !name.isEmpty
            && name.utf8.allSatisfy { byte in
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    true
                default:
                    Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
                }
            }
    }
}
