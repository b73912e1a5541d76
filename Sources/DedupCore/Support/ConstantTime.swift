/// Comparison for secret-derived bytes.
enum ConstantTime {
    /// Equality whose running time depends only on the lengths, not on where the bytes differ, so a
    /// forger cannot learn a token byte by byte from response times.
    static func equals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}
