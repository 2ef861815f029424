#!/usr/bin/env bash
# Installs the real services the tests start themselves, only when missing (Debian packages, as root):
# Prometheus (plugin-prometheus's real-Prometheus test), Chromium (the HTML report's browser test) and
# OpenSSL (certificates for the TLS test of `loadhouse check`), kcat and python3-confluent-kafka (the agent's
# Kafka-door tests).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
updated=0
apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "install-test-services: $* missing and not root: run as root or apt-get install it yourself" >&2
    exit 1
  fi
  if [ "$updated" = 0 ]; then apt-get update -qq; updated=1; fi
  echo "install-test-services: installing Debian package(s): $*"
  apt-get install -y -qq "$@" >/dev/null
}
[ -x /usr/bin/prometheus ] || apt_install --no-install-recommends prometheus
# Chromium with its recommended fonts, so the report's canvas text renders as in a desktop browser.
[ -x /usr/bin/chromium ] || apt_install chromium
[ -x /usr/bin/openssl ] || apt_install --no-install-recommends openssl
# Kafka clients nobody here wrote, for the agent's Kafka-door tests: kcat and librdkafka's Python binding
# (the Debian python, /usr/bin/python3, is the one the tests run).
[ -x /usr/bin/kcat ] || [ -x /usr/bin/kafkacat ] || apt_install --no-install-recommends kcat
/usr/bin/python3 -c 'import confluent_kafka' 2>/dev/null || apt_install --no-install-recommends python3-confluent-kafka
