# PostgreSQL from Debian's package, on the debootstrap base image, for engines with no registry
# (infra/containers/README.md); with a normal Docker the tests use the official postgres image.
# The entrypoint does what the tests need of the official one: a fresh cluster with
# POSTGRES_HOST_AUTH_METHOD (trust) on first start, then `postgres ARGS...`.
#
#   docker build --network host -f infra/containers/postgres.Dockerfile \
#     --build-arg BASE_IMAGE=evroam/debian:bookworm -t evroam/postgres:local infra/containers
ARG BASE_IMAGE
# hadolint ignore=DL3006
FROM ${BASE_IMAGE}
# No cluster at install time (the entrypoint makes one where the data lives), no docs. Not
# pinned: bookworm's postgresql-15 with its security updates is the point (DL3008).
# hadolint ignore=DL3008
RUN mkdir -p /etc/postgresql-common \
 && echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf \
 && apt-get update \
 && apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* /usr/share/doc/* /usr/share/man/* \
 && install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data \
 && install -d -o postgres -g postgres -m 2775 /var/run/postgresql
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PATH="/usr/lib/postgresql/15/bin:${PATH}" \
    PGDATA=/var/lib/postgresql/data
# The package's system user: its uid is chosen at install time, so only the name is known.
# hadolint ignore=DL3066
USER postgres
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
CMD ["postgres"]
