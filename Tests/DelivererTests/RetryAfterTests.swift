import Foundation
import Testing

@testable import Deliverer

@Suite("Retry-After")
struct RetryAfterTests {
    static let now = Date(timeIntervalSince1970: 1_761_060_000)  // Tue, 21 Oct 2025 15:20:00 GMT

    @Test("Seconds, an IMF date, the two obsolete date forms, a past date, and nonsense")
    func parses() {
        #expect(RetryAfter.parse("2", now: Self.now) == .seconds(2))
        #expect(RetryAfter.parse(" 120 ", now: Self.now) == .seconds(120))
        #expect(RetryAfter.parse("Tue, 21 Oct 2025 15:20:30 GMT", now: Self.now) == .seconds(30))
        #expect(RetryAfter.parse("Tuesday, 21-Oct-25 15:21:00 GMT", now: Self.now) == .seconds(60))
        #expect(RetryAfter.parse("Tue Oct 21 15:20:05 2025", now: Self.now) == .seconds(5))
        #expect(RetryAfter.parse("Tue, 21 Oct 2025 15:00:00 GMT", now: Self.now) == .zero)
        #expect(RetryAfter.parse("soon", now: Self.now) == nil)
        #expect(RetryAfter.parse("-1", now: Self.now) == nil)
        #expect(RetryAfter.parse("", now: Self.now) == nil)
    }
}
