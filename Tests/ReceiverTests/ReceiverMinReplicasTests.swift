import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Receiver
import RedisClient
import TestSupport
import Testing

/// `WD_MIN_REPLICAS`: `accepted` only once `WAIT` confirms the write reached that many replicas.
/// Plain Redis only: the replica here is a redis-server of the test's own, replicating the test
/// Redis over plain TCP.
@Suite(.enabled(if: ReceiverTest.redisURL?.hasPrefix("redis://") == true, "needs a plain redis:// REDIS_URL (scripts/test)"))
struct ReceiverMinReplicasTests {
    @Test func acceptedOnlyWhenAReplicaHasTheWrite() async throws {
        let body = Array(try ReceiverTest.fixture("evolution-v2-messages-upsert.json"))
        try await ReceiverTest.withReceiver(.router, configure: { $0.minReplicas = 1 }) { client in
            // No replica: the script runs on the primary, WAIT sees 0 replicas, the sender gets 503 and
            // so does its retry (the WAIT runs for duplicates too) until a replica is there.
            for _ in 0..<2 {
                try await client.execute(uri: "/webhook/evo", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(bytes: body)) {
                    #expect($0.status == .serviceUnavailable)
                    #expect((try? Answer($0))?.error == "store_unavailable")
                }
            }
            let primary = try RedisConfiguration(url: ReceiverTest.redisURL ?? "")
            let replica = try RedisServerProcess(arguments: ["--replicaof", primary.host, "\(primary.port)"])
            try await replica.start()
            defer { replica.kill() }
            try await replica.waitForReplication()
            try await client.execute(uri: "/webhook/evo", method: .post, headers: ReceiverTest.jsonHeaders, body: ByteBuffer(bytes: body)) {
                #expect($0.status == .ok)
                #expect((try? Answer($0))?.status == "duplicate")  // the first attempt's script had run
            }
        }
    }
}
