/// What one attempt came to. Any answer outside 2xx, a refused connection and a timeout are all
/// failures, with a short reason kept for the log and the dead letter; an HTTP answer also gives its
/// status (a destination's final statuses are dead letters at once) and the wait its `Retry-After`
/// asks for (429 and 503 only).
enum DeliveryResult: Sendable, Equatable {
    case delivered
    case failed(String, status: Int? = nil, retryAfter: Duration? = nil)
}
