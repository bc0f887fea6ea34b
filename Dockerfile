# syntax=docker/dockerfile:1
# clickup-preflight in a container: the static (musl) binary on an empty base
# image, with only the CA certificates TLS needs, run as an unprivileged user.
#
#   docker build -t clickup-preflight:0.1.0 .
#   docker run --rm clickup-preflight:0.1.0 check --sandbox healthy
#   docker run --rm -e CLICKUP_API_TOKEN clickup-preflight:0.1.0 check --format nagios
#
# deploy/kubernetes/cronjob.yaml runs it as a probe.

ARG RUST_IMAGE=rust:1-alpine

# Alpine's Rust targets musl; crt-static makes the binary static, and ring's
# C code builds with Alpine's gcc and musl-dev. rustls needs no OpenSSL.
FROM ${RUST_IMAGE} AS build
RUN apk add --no-cache gcc musl-dev ca-certificates
ENV RUSTFLAGS="-C target-feature=+crt-static" \
    CARGO_TERM_COLOR=never
WORKDIR /src
COPY . .
# The binary proves it runs before it is copied: its version, and a full
# check against the built-in sandbox (loopback only).
RUN cargo build --release --locked \
 && ./target/release/clickup-preflight --version \
 && ./target/release/clickup-preflight check --sandbox healthy \
 && cp target/release/clickup-preflight /clickup-preflight

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /clickup-preflight /clickup-preflight
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
# No shell, no package manager, no root: an unprivileged numeric user
# (scratch has no /etc/passwd). Mounted output directories must be writable
# by it (fsGroup 65532 in Kubernetes).
USER 65532:65532
ENTRYPOINT ["/clickup-preflight"]
CMD ["check", "--help"]
