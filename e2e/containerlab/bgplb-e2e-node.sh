#!/usr/bin/env bash
# Entry point of the containerlab cluster-node image (see Dockerfile): runs what the e2e netns
# runner runs on the same node, with the same scripts and the built apps.
#   bgplb-e2e-node ctl                      test API server (with node lifecycle), cluster.yaml applied, controller
#   bgplb-e2e-node control-plane NAME IP    kubelet simulation, control-plane advertiser, node agent
#   bgplb-e2e-node worker NAME IP           kubelet simulation, node agent
# Environment:
#   BGPLB_API            http://<ctl mgmt address>:6443 (the topology's kinds.linux.env)
#   BGPLB_ROOT           the built repository (/bgplb in the image)
#   BGPLB_CLUSTER_YAML   the cluster configuration (/topology/cluster.yaml, bound by the topology)
#   BGPLB_STATE_DIR      kubeconfig, advertiser config and logs (/var/lib/bgplb)
# The e2e suite runs this script in network namespaces too (e2e-lab.ts, launch "entrypoint"), with
# these variables pointing into the repository and the lab's work directory.
set -euo pipefail
root="${BGPLB_ROOT:-/bgplb}"
cluster_yaml="${BGPLB_CLUSTER_YAML:-/topology/cluster.yaml}"
state="${BGPLB_STATE_DIR:-/var/lib/bgplb}"
api="${BGPLB_API:?set BGPLB_API to http://<ctl mgmt address>:6443}"
logs="$state/log"
kc="$state/kubeconfig"
mkdir -p "$logs"
cd "$root"
yaml_js="$root/e2e/node_modules/yaml"

write_kubeconfig() {
  cat >"$kc" <<KC
apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: $1
    # plain HTTP (the lab's test API server): @kubernetes/client-node requires this flag for http
    insecure-skip-tls-verify: true
contexts:
- name: lab
  context:
    cluster: lab
    user: admin
current-context: lab
users:
- name: admin
  user: {}
KC
  # In the container, `docker exec ... kubectl` finds it without flags.
  if [ -z "${BGPLB_STATE_DIR:-}" ]; then mkdir -p /root/.kube && cp "$kc" /root/.kube/config; fi
}

# One field of the Cluster in the cluster configuration, e.g. metadata.namespace.
cluster_field() {
  node -e "
    const { parseAllDocuments } = require('$yaml_js');
    const docs = parseAllDocuments(require('node:fs').readFileSync('$cluster_yaml', 'utf8')).map((d) => d.toJS());
    const c = docs.find((d) => d && d.kind === 'Cluster');
    process.stdout.write(String('$1'.split('.').reduce((o, k) => o?.[k], c) ?? ''));"
}

pids=()
start() {
  local name="$1"
  shift
  "$@" >"$logs/$name.log" 2>&1 &
  pids+=("$!")
  echo "bgplb-e2e-node: started $name (pid $!, log $logs/$name.log)"
}
stop_all() {
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait || true
  exit "${1:-0}"
}
trap 'stop_all 0' TERM INT

# Succeeds once GET $1 answers 2xx (node's fetch: no curl needed).
http_ok() {
  node -e "fetch(process.argv[1], { signal: AbortSignal.timeout(2000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "$1"
}

role="${1:-}"
ns="$(cluster_field metadata.namespace)"
case "$role" in
  ctl)
    write_kubeconfig "http://127.0.0.1:6443"
    # --node-monitor-grace-period: the API server also plays kube-controller-manager's node lifecycle
    # controller (a node whose kubelet stops heartbeating for 5 s becomes Ready=Unknown)
    start apiserver node packages/test-apiserver/dist/cli.js --host 0.0.0.0 --port 6443 \
      --crds packages/api-types/crds --kubeconfig-out "$state/apiserver-kubeconfig.yaml" \
      --node-monitor-grace-period 5
    until kubectl --kubeconfig "$kc" get namespaces >/dev/null 2>&1; do sleep 0.5; done
    kubectl --kubeconfig "$kc" create namespace "$ns" >/dev/null 2>&1 || true
    kubectl --kubeconfig "$kc" apply -f "$cluster_yaml"
    start controller node apps/controller/dist/cli.js --kubeconfig "$kc" \
      --cluster-namespace "$ns" --grace-seconds 2 --metrics-addr 127.0.0.1:8080
    ;;
  control-plane | worker)
    name="${2:?node name}"
    ip="${3:?node InternalIP (IPv4[,IPv6])}"
    write_kubeconfig "$api"
    cp_flag=()
    [ "$role" = control-plane ] && cp_flag=(--control-plane)
    start kubelet node e2e/src/netns/kubelet.ts --api "$api" --node "$name" --internal-ip "$ip" \
      "${cp_flag[@]}" --interval 1000 --ports 80,443
    if [ "$role" = control-plane ]; then
      node --conditions=@bgplb/source --import tsx e2e/src/advertiser-config.ts "$cluster_yaml" "${ip%%,*}" \
        >"$state/bgpadvertiser.conf"
      start advertiser node apps/advertiser/dist/cli.js --config "$state/bgpadvertiser.conf" \
        --advertise-ip "$(cluster_field spec.loadBalancer.vips.controlPlaneVIP)" --vip-interface lo \
        --health-addr 127.0.0.1:8080
    fi
    # Start the agent once the cluster's objects exist (the API comes up with the ctl container).
    until http_ok "$api/apis/networking.gke.io/v1/namespaces/$ns/networkgatewaygroups/default"; do sleep 0.5; done
    start agent node apps/advertiser/dist/cli.js agent --node-name "$name" --kubeconfig "$kc" \
      --cluster-namespace "$ns" --health-addr 127.0.0.1:8081 --heartbeat 2s --connect-retry-time 1
    ;;
  *)
    echo "usage: bgplb-e2e-node ctl | control-plane NAME IP | worker NAME IP" >&2
    exit 2
    ;;
esac
echo "bgplb-e2e-node: $role running"
set +e
wait -n
echo "bgplb-e2e-node: a process exited; logs in $logs" >&2
stop_all 1
