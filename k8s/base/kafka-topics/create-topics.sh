#!/bin/sh
# Creates the Kafka topics of the evroam catalogue. Runs in the apache/kafka image, as the
# `kafka-topics` one-shot of docker-compose.yml and as the Job evroam-kafka-topics in Kubernetes.
#
# Reads topics.list, generated from infra/kafka/topics.yaml (never edit it by hand):
#   python infra/checks/validate_deploy.py sync-topics
# One topic a line: `<name> <partitions> [<config key>=<value> ...]`; `#` starts a comment.
#
# Idempotent: topics that exist are left as they are. Raising partitions or changing the config
# of a live topic changes key-to-partition mapping or retention, so it is an operator's change
# (kafka-topics.sh --alter / kafka-configs.sh), never a side effect of a deploy.
#
# Environment: BOOTSTRAP_SERVERS (required), REPLICATION_FACTOR (default 1),
# TOPICS_FILE (default: topics.list beside this script), WAIT_SECONDS (default 180).
set -eu
set -f   # no globbing: config values are passed on as they are

: "${BOOTSTRAP_SERVERS:?BOOTSTRAP_SERVERS is required}"
REPLICATION_FACTOR="${REPLICATION_FACTOR:-1}"
TOPICS_FILE="${TOPICS_FILE:-$(dirname "$0")/topics.list}"
WAIT_SECONDS="${WAIT_SECONDS:-180}"
KAFKA_TOPICS="${KAFKA_TOPICS:-/opt/kafka/bin/kafka-topics.sh}"

[ -r "$TOPICS_FILE" ] || { echo "create-topics: cannot read $TOPICS_FILE" >&2; exit 1; }

# The broker may still be starting (Kubernetes gives no start order): retry the listing.
deadline=$(( $(date +%s) + WAIT_SECONDS ))
until existing=$("$KAFKA_TOPICS" --bootstrap-server "$BOOTSTRAP_SERVERS" --list 2>/dev/null); do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "create-topics: no broker answered at $BOOTSTRAP_SERVERS within ${WAIT_SECONDS}s" >&2
    exit 1
  fi
  echo "create-topics: waiting for $BOOTSTRAP_SERVERS"
  sleep 5
done

created=0
kept=0
while read -r name partitions configs; do
  case "$name" in ''|'#'*) continue ;; esac
  if printf '%s\n' "$existing" | grep -qxF -- "$name"; then
    kept=$((kept + 1))
    continue
  fi
  set --
  for kv in $configs; do
    set -- "$@" --config "$kv"
  done
  # --if-not-exists: another run may have created it since the listing.
  "$KAFKA_TOPICS" --bootstrap-server "$BOOTSTRAP_SERVERS" --create --if-not-exists \
    --topic "$name" --partitions "$partitions" --replication-factor "$REPLICATION_FACTOR" "$@" \
    < /dev/null   # the loop reads the list on stdin: keep the tool off it
  echo "create-topics: created $name ($partitions partitions, replication $REPLICATION_FACTOR)"
  created=$((created + 1))
done < "$TOPICS_FILE"

echo "create-topics: $created created, $kept already present"
