public import Foundation

/// A fresh folder under the system's temporary directory, named after what uses it.
public enum TemporaryDirectory {
    public static func make(_ name: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }
}
