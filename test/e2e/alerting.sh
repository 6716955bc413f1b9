#!/usr/bin/env bash
# End-to-end alerting check on real processes, all on 127.0.0.1:
#   driftwatch (fresh database on the local PostgreSQL)
#     ← scraped every second by Debian's prometheus, which loads
#       alerts/driftwatch.rules.yml and sends to
#   prometheus-alertmanager, which routes everything to
#   a tiny webhook receiver that records the POST bodies.
# The scenario drives a model version into dataset drift through the HTTP API;
# the test then waits for the dataset-drift alert to fire in Prometheus and to
# reach the receiver through Alertmanager, and finally runs every PromQL
# expression of dashboards/*.json against that Prometheus.
#
#   bash test/e2e/alerting.sh
#
# Needs: node (dependencies installed and dist/ built), prometheus,
# prometheus-alertmanager, promtool, psql, curl. The whole run is bounded by
# E2E_TIMEOUT_SECONDS (default 300); everything started is stopped on exit.
# E2E_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) is the
# server where a fresh database is created and dropped again.
# E2E_RULES_FILE and E2E_DASHBOARDS_DIR override the repository's files.
set -euo pipefail
cd "$(dirname "$0")/../.."

# A hard bound on the whole run: re-run this script under timeout(1). The
# EXIT trap below still cleans up when the timeout sends SIGTERM.
if [[ -z "${DW_E2E_BOUNDED:-}" ]]; then
  DW_E2E_BOUNDED=1 exec timeout --kill-after=15 "${E2E_TIMEOUT_SECONDS:-300}" bash "$0" "$@"
fi

started_at=$(date +%s)
log() { printf '[e2e %3ss] %s\n' "$(($(date +%s) - started_at))" "$*"; }
die() {
  log "FAILED: $*" >&2
  exit 1
}

RULES_FILE=${E2E_RULES_FILE:-alerts/driftwatch.rules.yml}
DASHBOARDS_DIR=${E2E_DASHBOARDS_DIR:-dashboards}
ADMIN_DB_URL=${E2E_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
MODEL=e2e-churn
TSX=(node --import tsx)

for tool in node prometheus prometheus-alertmanager promtool psql curl; do
  command -v "$tool" >/dev/null ||
    die "$tool is not installed (apt-get install -y --no-install-recommends prometheus prometheus-alertmanager postgresql-client curl)"
done
[[ -f dist/cli.js ]] || die "dist/ is missing: run npm run build"
[[ -f "$RULES_FILE" ]] || die "rules file $RULES_FILE does not exist"

work=$(mktemp -d "${TMPDIR:-/tmp}/driftwatch-e2e.XXXXXX")
database="dw_e2e_$(date +%s)_$$"
pids=()
success=0

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  if [[ $success -ne 1 ]]; then
    for name in driftwatch prometheus alertmanager receiver; do
      if [[ -s "$work/$name.log" ]]; then
        echo "----- last lines of $name.log -----" >&2
        tail -n 40 "$work/$name.log" >&2
      fi
    done
    [[ $status -eq 0 ]] && status=1
  fi
  psql "$ADMIN_DB_URL" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" \
    >/dev/null 2>&1 || echo "warning: could not drop database $database" >&2
  rm -rf "$work"
  if [[ $success -eq 1 ]]; then
    log "PASSED"
  else
    log "e2e alerting check FAILED (exit $status)" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'log "timed out or terminated" >&2; exit 124' TERM

# free_ports N: N distinct ports free on 127.0.0.1 (all held open while chosen).
free_ports() {
  node -e '
    const net = require("net");
    const servers = Array.from({ length: Number(process.argv[1]) }, () => net.createServer());
    Promise.all(servers.map((s) => new Promise((ok) => s.listen(0, "127.0.0.1", ok)))).then(() => {
      console.log(servers.map((s) => s.address().port).join(" "));
      servers.forEach((s) => s.close());
    });
  ' "$1"
}

# wait_for URL SECONDS WHAT PID: polls until URL answers 2xx, the deadline
# passes, or the process PID dies.
wait_for() {
  local url=$1 seconds=$2 what=$3 pid=$4
  local deadline=$(($(date +%s) + seconds))
  until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || die "$what exited during start-up"
    (($(date +%s) < deadline)) || die "$what not ready at $url after ${seconds}s"
    sleep 0.2
  done
  log "$what ready at $url"
}

read -r dw_port prom_port am_port receiver_port < <(free_ports 4)
[[ -n "$receiver_port" ]] || die "could not find free ports on 127.0.0.1"

# --- database and driftwatch ---------------------------------------------------
psql "$ADMIN_DB_URL" -q -v ON_ERROR_STOP=1 -c "CREATE DATABASE $database" >/dev/null ||
  die "could not create database $database on $ADMIN_DB_URL"
db_url=$(node -e "const u=new URL(process.argv[1]);u.pathname='/'+process.argv[2];console.log(u.toString())" "$ADMIN_DB_URL" "$database")

mkdir -p "$work/models"
# No scheduler: the only check run is the one the scenario asks for.
cat >"$work/driftwatch.yaml" <<EOF
server:
  host: 127.0.0.1
models:
  directory: $work/models
scheduler:
  enabled: false
logging:
  level: info
EOF
# Traces stay off (no OTLP endpoint from the caller's environment): nothing
# but loopback traffic.
env -u OTEL_EXPORTER_OTLP_ENDPOINT -u OTEL_EXPORTER_OTLP_TRACES_ENDPOINT DATABASE_URL="$db_url" \
  node bin/driftwatch.js serve --config "$work/driftwatch.yaml" --port "$dw_port" \
  >"$work/driftwatch.log" 2>&1 &
pids+=($!)
dw_pid=$!
dw_url="http://127.0.0.1:$dw_port"

# --- webhook receiver ----------------------------------------------------------
node -e '
  const http = require("http"), fs = require("fs");
  const [file, port] = process.argv.slice(1);
  http.createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      if (req.method === "POST") fs.appendFileSync(file, body.replace(/\n/g, " ") + "\n");
      res.end("ok");
    });
  }).listen(Number(port), "127.0.0.1", () => console.log("receiver listening on " + port));
' "$work/received.ndjson" "$receiver_port" >"$work/receiver.log" 2>&1 &
pids+=($!)
receiver_pid=$!

# --- alertmanager --------------------------------------------------------------
cat >"$work/alertmanager.yml" <<EOF
route:
  receiver: e2e-webhook
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: e2e-webhook
    webhook_configs:
      - url: http://127.0.0.1:$receiver_port/alerts
        send_resolved: false
EOF
prometheus-alertmanager --config.file="$work/alertmanager.yml" --storage.path="$work/am-data" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= \
  >"$work/alertmanager.log" 2>&1 &
pids+=($!)
am_pid=$!

# --- prometheus ----------------------------------------------------------------
# The repository's rules, with `for:` cut to at most 1s so a firing alert shows
# within this test; the expressions are the repository's own.
promtool check rules "$RULES_FILE" >"$work/promtool.log" 2>&1 ||
  die "promtool check rules $RULES_FILE: $(cat "$work/promtool.log")"
mapfile -t drift_alerts < <("${TSX[@]}" test/e2e/prometheusChecks.ts rules "$RULES_FILE" "$work/rules.yml")
((${#drift_alerts[@]} > 0)) || die "no dataset-drift alert found in $RULES_FILE"
alert_name=${drift_alerts[0]}
log "dataset-drift alert in $RULES_FILE: ${drift_alerts[*]}"

cat >"$work/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - $work/rules.yml
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['127.0.0.1:$am_port']
scrape_configs:
  - job_name: driftwatch
    static_configs:
      - targets: ['127.0.0.1:$dw_port']
EOF
promtool check config "$work/prometheus.yml" >"$work/promtool.log" 2>&1 ||
  die "promtool check config: $(cat "$work/promtool.log")"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/prom-data" \
  --web.listen-address="127.0.0.1:$prom_port" >"$work/prometheus.log" 2>&1 &
pids+=($!)
prom_pid=$!
prom_url="http://127.0.0.1:$prom_port"

wait_for "$dw_url/ready" 60 driftwatch "$dw_pid"
wait_for "http://127.0.0.1:$receiver_port/" 20 receiver "$receiver_pid"
wait_for "http://127.0.0.1:$am_port/-/ready" 30 alertmanager "$am_pid"
wait_for "$prom_url/-/ready" 30 prometheus "$prom_pid"

# --- drift ---------------------------------------------------------------------
log "driving $MODEL into dataset drift"
"${TSX[@]}" test/e2e/driftScenario.ts --url "$dw_url" --model "$MODEL" ||
  die "the drift scenario did not produce dataset drift"

# Prometheus must see the target up and the drift gauge at 1 before the alert.
deadline=$(($(date +%s) + 30))
query="driftwatch_dataset_drifted{job=\"driftwatch\",model=\"$MODEL\"} == 1"
until curl -fsS --max-time 2 "$prom_url/api/v1/query" --data-urlencode "query=$query" |
  grep -q '"result":\[{'; do
  (($(date +%s) < deadline)) ||
    die "Prometheus never scraped driftwatch_dataset_drifted == 1 for $MODEL: $(curl -sS "$prom_url/api/v1/targets")"
  sleep 0.5
done
log "Prometheus scraped driftwatch_dataset_drifted{model=\"$MODEL\"} = 1"

"${TSX[@]}" test/e2e/prometheusChecks.ts wait-alert "$prom_url" "$alert_name" \
  "$work/received.ndjson" 90 || die "alert $alert_name did not fire and reach the receiver"

# --- dashboards ----------------------------------------------------------------
"${TSX[@]}" test/e2e/prometheusChecks.ts dashboards "$prom_url" "$DASHBOARDS_DIR" "$MODEL" 1 ||
  die "dashboard queries failed against Prometheus"

success=1
