#!/bin/sh
# The part of the official postgres image's entrypoint the tests use: initialise an empty
# $PGDATA with the superuser `postgres` and POSTGRES_HOST_AUTH_METHOD, then run the command;
# `postgres ARGS...` gets the data directory added.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    # No password support: this image is for disposable test clusters only.
    if [ "${POSTGRES_HOST_AUTH_METHOD:-}" != trust ]; then
        echo "postgres-entrypoint: set POSTGRES_HOST_AUTH_METHOD=trust" >&2
        exit 2
    fi
    initdb --username=postgres --auth=trust --encoding=UTF8 --no-sync --pgdata="$PGDATA" \
        > /dev/null
    echo "host all all all trust" >> "$PGDATA/pg_hba.conf"
fi
if [ "${1:-}" = postgres ]; then
    shift
    exec postgres -D "$PGDATA" "$@"
fi
exec "$@"
