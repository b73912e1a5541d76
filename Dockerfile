# syntax=docker/dockerfile:1
# webhook-dedup: one image for every subcommand (receive, deliver, stats, dead-letters).
#
#   docker build -t webhook-dedup .
#   docker run --rm -e REDIS_URL=redis://redis:6379/0 -p 8080:8080 webhook-dedup            # receiver
#   docker run --rm -e REDIS_URL=... -e WD_DOWNSTREAM_URL=http://app/hook webhook-dedup deliver
#   docker run --rm -e REDIS_URL=... webhook-dedup stats
#
# docker-compose.yml runs the whole topology from this image.

ARG SWIFT_VERSION=6.3

# ---------------------------------------------------------------------------------------------
# Build: the official Swift image plus the hiredis headers (the CHiredis module links libhiredis).
# ---------------------------------------------------------------------------------------------
FROM swift:${SWIFT_VERSION}-bookworm AS build

RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends libhiredis-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

COPY . .

# Release build with the Swift runtime and Foundation linked in statically, so the runtime image
# needs only glibc, libstdc++, zlib and hiredis (`ldd` of such a build: libhiredis.so.0.14,
# libstdc++.so.6, libz.so.1, libgcc_s.so.1, libm, libc). The build folder (package checkouts and
# objects) is a BuildKit cache mount, so rebuilds are incremental; being a mount, it is gone after
# this step, hence the copy to /staging in the same step. Package.resolved is not in the context
# (.dockerignore): dependencies resolve from Package.swift. strip --strip-debug drops the DWARF
# (about a third of the size) and keeps the symbols the crash backtracer prints.
RUN --mount=type=cache,target=/build/.build \
    swift build -c release --static-swift-stdlib --product webhook-dedup \
    && mkdir -p /staging \
    && cp "$(swift build -c release --show-bin-path)/webhook-dedup" /staging/ \
    && strip --strip-debug /staging/webhook-dedup \
    && cp /usr/libexec/swift/linux/swift-backtrace-static /staging/

# ---------------------------------------------------------------------------------------------
# Runtime: slim Debian of the same release, with the hiredis runtime library that matches the
# libhiredis-dev the binary was built against (bookworm: 0.14.1, package libhiredis0.14).
# curl is for HEALTHCHECK; ca-certificates for https downstreams.
# ---------------------------------------------------------------------------------------------
FROM debian:bookworm-slim

RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update -q \
    && apt-get install -y -q --no-install-recommends \
        libhiredis0.14 libstdc++6 zlib1g ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --user-group --uid 10001 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin webhook-dedup

WORKDIR /app
COPY --from=build --chown=root:root /staging/ /app/

ENV PATH="/app:${PATH}" \
    WD_HOST=0.0.0.0 \
    WD_PORT=8080 \
    SWIFT_BACKTRACE=enable=yes,sanitize=yes,threads=all,images=all,interactive=no,swift-backtrace=/app/swift-backtrace-static

USER webhook-dedup:webhook-dedup

EXPOSE 8080

# Liveness of the receiver (the default command). Readiness (/readyz: Redis answers, not draining)
# is for the load balancer, which checks it itself. `deliver` serves no HTTP: docker-compose.yml
# disables this check for the deliverer service; do the same when running it elsewhere.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${WD_PORT:-8080}/healthz" || exit 1

# SIGTERM (docker stop) starts the drain (WD_DRAIN_SECONDS); give containers a stop timeout above
# it (docker-compose.yml: stop_grace_period).
ENTRYPOINT ["webhook-dedup"]
CMD ["receive"]
