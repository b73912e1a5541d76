import ArgumentParser
import DedupCore
import Deliverer
import Foundation
import Logging
import RedisClient

/// `webhook-dedup dead-letters`: inspect and re-queue deliveries that failed for good.
struct DeadLettersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "Inspect and re-queue failed deliveries.",
        subcommands: [List.self, Replay.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the oldest dead letters of all shards and destinations: a table, or a JSON array with --json.")

        @OptionGroup var redis: RedisOptions

        @OptionGroup var destinations: DestinationOptions

        @Option(help: "At most this many (default 50)")
        var limit: Int = 50

        @Flag(help: "One JSON array of dead letters (fields of the entry, body as text or body_base64, error, attempts, failed_at)")
        var json = false

        func validate() throws {
            guard limit > 0 else { throw ValidationError("--limit must be at least 1") }
        }

        func run() async throws {
            try await withDeadLetterStore(redis, destinations, label: "webhook-dedup.dead-letters") { store in
                let letters = try await store.list(limit: limit)
                if json {
                    print(DeadLetterRendering.json(letters))
                } else {
                    print(DeadLetterRendering.table(letters), terminator: "")
                }
            }
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put dead letters back on their destination's stream as new entries (attempts start again at 1) and delete them.")

        @OptionGroup var redis: RedisOptions

        @OptionGroup var destinations: DestinationOptions

        @Flag(help: "Replay every dead letter present when the command starts")
        var all = false

        @Argument(
            help: "Dead letters as DESTINATION:SHARD:ID, SHARD:ID (every destination), or a bare ID (every shard and destination)",
            transform: { text throws in try DeadLetterRef(parsing: text) })
        var ids: [DeadLetterRef] = []

        func validate() throws {
            if all == !ids.isEmpty { throw ValidationError("give either --all or one or more dead-letter ids") }
        }

        func run() async throws {
            try await withDeadLetterStore(redis, destinations, label: "webhook-dedup.dead-letters") { store in
                let (replayed, notFound) = all ? (try await store.replayAll(), []) : try await store.replay(ids)
                for item in replayed {
                    print("replayed \(item.destination):\(item.shard):\(item.deadID) as stream entry \(item.streamID)")
                }
                for name in notFound {
                    printError("webhook-dedup: no dead letter \(name)")
                }
                print("\(replayed.count) replayed")
                if !notFound.isEmpty { throw ExitCode(1) }
            }
        }
    }
}

/// Connects, runs `body` with the store, turns Redis errors into one stderr line and exit 1.
private func withDeadLetterStore(
    _ options: RedisOptions, _ destinationOptions: DestinationOptions, label: String, _ body: (DeadLetterStore) async throws -> Void
) async throws {
    let logger = makeLogger(label: label)
    let (redisConfiguration, prefix, shards, destinations, ordered) = try startupConfiguration {
        (
            try options.resolvedRedisConfiguration(), try options.resolvedKeyPrefix(), try options.resolvedShards(),
            try destinationOptions.resolved(), try destinationOptions.orderedPartitions()
        )
    }
    let client = RedisClient(configuration: redisConfiguration, logger: logger)
    defer { client.close() }
    do {
        try await body(DeadLetterStore(redis: client, keyPrefix: prefix, shards: shards, destinations: destinations, ordered: ordered))
    } catch let error as RedisError {
        printError("webhook-dedup: dead-letters: \(error)")
        throw ExitCode(1)
    }
}

/// Writes one line to stderr.
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// How `dead-letters list` prints.
enum DeadLetterRendering {
    static func json(_ letters: [DeadLetter]) -> String {
        SortedJSON.text(jsonObject: letters.map(\.jsonObject)) ?? "[]"
    }

    /// Aligned columns, the error cut to fit a terminal line.
    static func table(_ letters: [DeadLetter]) -> String {
        if letters.isEmpty { return "no dead letters\n" }
        let formatter = ISO8601DateFormatter()
        var rows = [["DESTINATION", "SHARD", "ID", "SOURCE", "KEY", "ATTEMPTS", "FAILED_AT", "ERROR"]]
        for letter in letters {
            let failedAt = formatter.string(from: Date(timeIntervalSince1970: Double(letter.failedAt) / 1000))
            rows.append([
                letter.destination, String(letter.shard), letter.id, letter.source, clip(letter.key, 40), String(letter.attempts), failedAt,
                clip(letter.error, 60),
            ])
        }
        var widths = Array(repeating: 0, count: rows[0].count)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }

    private static func clip(_ text: String, _ length: Int) -> String {
        let line = text.replacingOccurrences(of: "\n", with: " ")
        return line.count <= length ? line : String(line.prefix(length - 1)) + "…"
    }
}
