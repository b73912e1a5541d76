import DedupCore
import Foundation
import Testing

/// Inputs scripts/fuzz found, kept so they stay fixed.
@Suite("Sources file: fuzzer regressions")
struct SourcesConfigFuzzRegressionTests {
    /// A YAML 1.1 sexagesimal integer that overflows Int crashed the parser (Yams traps); it must be
    /// a clear configuration error instead.
    @Test func overflowingSexagesimalIntegerIsAnErrorNotACrash() {
        #expect(throws: ConfigError.self) {
            try SourcesConfig.parse("sources:\n  a:\n    ttl: 599622222222222222:22:22\n", format: .yaml, environment: [:])
        }
        #expect(throws: ConfigError.self) {
            try SourcesConfig.parse("599622222222222222:22:22", format: .yaml, environment: [:])
        }
    }

    @Test func ordinaryIntegerFormsStillParse() throws {
        for (text, ttl) in [("86400", 86400), ("+60", 60), ("1_000", 1000), ("0x10", 16), ("0o10", 8)] {
            let config = try SourcesConfig.parse("sources:\n  a:\n    ttl: \(text)\n", format: .yaml, environment: [:])
            #expect(config.rule(for: "a")?.ttl == ttl, "\(text)")
        }
        #expect(throws: ConfigError.self) {
            try SourcesConfig.parse("sources:\n  a:\n    ttl: 99999999999999999999\n", format: .yaml, environment: [:])
        }
    }

    /// Thousands of nested flow or block collections overflowed the stack in Yams' recursive loader.
    @Test func deeplyNestedYAMLIsAnErrorNotACrash() {
        for text in [
            String(repeating: "[", count: 5000), "sources: " + String(repeating: "{a: ", count: 5000),
            String(repeating: "- ", count: 5000) + "x", String(repeating: " ", count: 300) + "a: 1",
        ] {
            #expect(throws: ConfigError.self) { try SourcesConfig.parse(text, format: .yaml, environment: [:]) }
        }
        // Spaces inside a line are not nesting.
        #expect(throws: Never.self) {
            try SourcesConfig.parse(
                "sources:\n  a:\n    ttl: 60 #" + String(repeating: " ", count: 500) + "comment\n", format: .yaml, environment: [:])
        }
        // A real file with flow lists still parses.
        #expect(throws: Never.self) {
            try SourcesConfig.parse(
                "sources:\n  a:\n    key: [\"/data/key/id\", \"header:X\"]\n    ignore: [\"/b\"]\n", format: .yaml, environment: [:])
        }
    }
}
