import ArgumentParser

/// The one executable: a subcommand per role, all configured by flags that fall back to environment
/// variables (the flag wins), so the same image runs every role in compose.
@main
struct WebhookDedup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhook-dedup",
        abstract: "Webhook deduplication gateway: receivers record each message once in Redis, deliverers post it downstream.",
        subcommands: [ReceiveCommand.self, DeliverCommand.self, DeadLettersCommand.self, StatsCommand.self, ConsoleCommand.self]
    )
}
