/// What one attempt came to. Any answer outside 2xx, a refused connection and a timeout are all
/// failures, with a short reason kept for the log and the dead letter.
enum DeliveryResult: Sendable, Equatable {
    case delivered
    case failed(String)
}
