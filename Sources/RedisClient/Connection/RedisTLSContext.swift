import NIOSSL

extension RedisConfiguration.TLS {
    /// Loads the files now, so that a missing or unreadable one stops start-up with a clear error
    /// instead of failing every connection later.
    public func validate() throws(RedisError) {
        _ = try makeContext()
    }

    /// The NIOSSL context for these settings: made once per client, shared by its connections.
    /// Verification is always on (`fullVerification`); a CA file replaces the system's roots.
    func makeContext() throws(RedisError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        do {
            if let caFile {
                configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(caFile))
            }
            switch (certificateFile, keyFile) {
            case (let certificate?, let key?):
                configuration.certificateChain = try NIOSSLCertificate.fromPEMFile(certificate).map { .certificate($0) }
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
            case (nil, nil):
                break
            default:
                throw RedisError.connection("TLS: a client certificate needs both WD_REDIS_TLS_CERT and WD_REDIS_TLS_KEY")
            }
            return try NIOSSLContext(configuration: configuration)
        } catch let error as RedisError {
            throw error
        } catch {
            throw .connection("TLS settings cannot be used: \(error)")
        }
    }
}
