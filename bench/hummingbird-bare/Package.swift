// swift-tools-version: 6.0
// The HTTP ceiling for scripts/bench: a bare Hummingbird 2 POST handler that reads the body and
// answers 200. Not part of the product; built and run only by scripts/bench.
import PackageDescription

let package = Package(
    name: "hummingbird-bare",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.0.0")
    ],
    targets: [
        .executableTarget(
            name: "hummingbird-bare",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "Sources/HummingbirdBare"
        )
    ],
    swiftLanguageModes: [.v6]
)
