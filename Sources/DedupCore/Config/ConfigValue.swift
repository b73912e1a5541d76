internal import Foundation
internal import Yams

/// The sources file as a plain tree, whether it was written in JSON or YAML.
///
/// Validation runs over this one shape so both formats give identical rules and identical error
/// messages. Mappings keep their order as written so the first error
/// reported is predictable.
indirect enum ConfigValue {
    case string(String)
    case int(Int)
    case double(Double)
    case bool(Bool)
    case null
    case array([ConfigValue])
    case map([(key: String, value: ConfigValue)])

    /// How the value is described in an error; values themselves are not echoed, as they may be secrets.
    var kindName: String {
        switch self {
        case .string: "a string"
        case .int: "an integer"
        case .double: "a number"
        case .bool: "a boolean"
        case .null: "null"
        case .array: "a list"
        case .map: "a mapping"
        }
    }

    /// Parses YAML. Errors give libyaml's problem and position but never the offending line, which
    /// could hold a secret.
    static func parseYAML(_ text: String) throws(ConfigError) -> ConfigValue {
        // Yams builds the tree recursively: a few thousand nested `[` overflowed the stack (found by
        // scripts/fuzz). A sources file is a few levels deep; refuse anything near the danger.
        guard yamlNestingBound(text) <= maxYAMLNesting else {
            throw ConfigError("invalid YAML: nested more than \(maxYAMLNesting) levels")
        }
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError("invalid YAML: \(describe(error))")
        } catch {
            throw ConfigError("invalid YAML")
        }
        guard let root else { return .null }
        return try convert(root)
    }

    /// Parses JSON; the position in Foundation's message is kept, the content is not.
    static func parseJSON(_ text: String) throws(ConfigError) -> ConfigValue {
        let value: JSONValue
        do {
            value = try JSONParser.parse(Data(text.utf8))
        } catch {
            throw ConfigError("invalid JSON: \(error.message)")
        }
        return try convert(value)
    }

    private static func convert(_ node: Node) throws(ConfigError) -> ConfigValue {
        switch node {
        case .scalar(let scalar):
            // `node.tag` resolves the implicit tag (plain `3600` is an int, quoted "3600" a string).
            switch node.tag.description {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return node.bool.map(ConfigValue.bool) ?? .string(scalar.string)
            case Tag.Name.int.rawValue: return yamlInt(scalar.string).map(ConfigValue.int) ?? .string(scalar.string)
            case Tag.Name.float.rawValue: return node.float.map(ConfigValue.double) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let sequence):
            var items: [ConfigValue] = []
            for item in sequence { items.append(try convert(item)) }
            return .array(items)
        case .mapping(let mapping):
            var pairs: [(key: String, value: ConfigValue)] = []
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw ConfigError("mapping keys must be plain names" + position(key.mark))
                }
                if pairs.contains(where: { $0.key == keyScalar.string }) {
                    throw ConfigError("duplicate field \"\(keyScalar.string)\"" + position(key.mark))
                }
                pairs.append((keyScalar.string, try convert(value)))
            }
            return .map(pairs)
        }
    }

    private static func convert(_ value: JSONValue) throws(ConfigError) -> ConfigValue {
        switch value {
        case .null: return .null
        case .bool(let bool): return .bool(bool)
        case .number(let text): return Int(text).map(ConfigValue.int) ?? Double(text).map(ConfigValue.double) ?? .string(text)
        case .string(let string): return .string(string)
        case .array(let elements):
            var items: [ConfigValue] = []
            for element in elements { items.append(try convert(element)) }
            return .array(items)
        case .object(let object):
            var pairs: [(key: String, value: ConfigValue)] = []
            for member in object.members {
                if pairs.contains(where: { $0.key == member.key }) { throw ConfigError("duplicate field \"\(member.key)\"") }
                pairs.append((member.key, try convert(member.value)))
            }
            return .map(pairs)
        }
    }

    static let maxYAMLNesting = 200

    /// An upper bound of the YAML nesting depth, cheap and conservative: the deepest run of open flow
    /// brackets (`[`, `{`, quotes ignored), plus per line the indentation and the `- `/`? ` block
    /// indicators that open nested collections on one line.
    static func yamlNestingBound(_ text: String) -> Int {
        var flow = 0
        var deepest = 0
        var lineStart = true
        var lineDepth = 0
        for byte in text.utf8 {
            if lineStart, byte == 0x20 || byte == 0x09 || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: ":") {
                lineDepth += 1
                deepest = max(deepest, flow + lineDepth)
                continue
            }
            switch byte {
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                flow += 1
                deepest = max(deepest, flow + lineDepth)
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                flow = max(0, flow - 1)
            case UInt8(ascii: "\n"):
                lineStart = true
                lineDepth = 0
                continue
            default:
                break
            }
            lineStart = false
        }
        return deepest
    }

    /// A YAML 1.1 integer (`86400`, `+5`, `1_000`, `0x1F`, `0o17`, `0b101`), or nil when it does not
    /// fit an Int. Not Yams' `Node.int`: its sexagesimal form (`599622222222222222:22:22`) traps on
    /// overflow, which crashed start-up instead of a clear error (found by scripts/fuzz). Sexagesimal
    /// (`1:30`) is not accepted; such a value reads as a string and its field reports the error.
    static func yamlInt(_ text: String) -> Int? {
        var digits = text.replacingOccurrences(of: "_", with: "")
        var sign = 1
        if let first = digits.first, first == "-" || first == "+" {
            sign = first == "-" ? -1 : 1
            digits.removeFirst()
        }
        let radix: Int
        if digits.hasPrefix("0x") {
            radix = 16
        } else if digits.hasPrefix("0o") {
            radix = 8
        } else if digits.hasPrefix("0b") {
            radix = 2
        } else {
            radix = 10
        }
        if radix != 10 { digits.removeFirst(2) }
        guard !digits.isEmpty, digits.first != "-", digits.first != "+", let magnitude = Int(digits, radix: radix) else { return nil }
        return sign * magnitude
    }

    private static func position(_ mark: Mark?) -> String {
        mark.map { " at line \($0.line), column \($0.column)" } ?? ""
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return problem + position(mark)
        case .reader(let problem, _, _, _):
            return problem
        default:
            return "unreadable document"
        }
    }
}
