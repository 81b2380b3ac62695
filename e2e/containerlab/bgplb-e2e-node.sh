#!/usr/bin/env bash
# Entry point of the containerlab cluster-node image (see Dockerfile): runs what the e2e netns
# runner runs in the namespace of the same node (e2e/src/netns/e2e-lab.ts), with the same scripts.
#   bgplb-e2e-node ctl                      (mgmt address = $BGPLB_API's host; /topology/cluster.yaml bound)
#   bgplb-e2e-node control-plane NAME IP
#   bgplb-e2e-node worker NAME IP
# Environment: BGPLB_API (http://<ctl mgmt address>:6443), set in the topology's kinds.linux.env.
set -euo pipefail
cd /bgplb
api="${BGPLB_API:?set BGPLB_API to http://<ctl mgmt address>:6443}"
logs=/var/log/bgplb
mkdir -p "$logs"
tsx=(node --conditions=@bgplb/source --import tsx)

kubeconfig() {
  cat >/etc/bgplb-kubeconfig <<KC
apiVersion: v1
kind: Config
clusters:
- name: lab
  cluster:
    server: $1
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
  mkdir -p /root/.kube
  cp /etc/bgplb-kubeconfig /root/.kube/config
}

cluster_namespace() {
  node -e "
    const { parseAllDocuments } = require('/bgplb/e2e/node_modules/yaml');
    const docs = parseAllDocuments(require('node:fs').readFileSync('/topology/cluster.yaml', 'utf8')).map((d) => d.toJS());
    process.stdout.write(docs.find((d) => d && d.kind === 'Cluster').metadata.namespace);"
}

# Processes run in the background; the container lives as long as all of them do.
start() {
  local name="$1"
  shift
  "$@" >"$logs/$name.log" 2>&1 &
  echo "bgplb-e2e-node: started $name (pid $!, log $logs/$name.log)"
}

role="${1:-}"
case "$role" in
  ctl)
    kubeconfig "http://127.0.0.1:6443"
    start apiserver node packages/test-apiserver/dist/cli.js --host 0.0.0.0 --port 6443 \
      --crds packages/api-types/crds --kubeconfig-out /tmp/apiserver-kubeconfig.yaml
    until kubectl get namespaces >/dev/null 2>&1; do sleep 0.5; done
    ns="$(cluster_namespace)"
    kubectl create namespace "$ns" >/dev/null 2>&1 || true
    kubectl apply -f /topology/cluster.yaml
    start node-lifecycle node e2e/src/netns/node-lifecycle.ts --api "http://127.0.0.1:6443" --grace 5000
    start controller node apps/controller/dist/cli.js --kubeconfig /etc/bgplb-kubeconfig \
      --cluster-namespace "$ns" --grace-seconds 2 --metrics-addr 127.0.0.1:8080
    ;;
  control-plane | worker)
    name="${2:?node name}"
    ip="${3:?node InternalIP}"
    kubeconfig "$api"
    until curl -fsS "$api/api/v1/namespaces/kube-system" >/dev/null 2>&1; do sleep 0.5; done
    ns=""
    until ns="$(curl -fsS "$api/apis/baremetal.cluster.gke.io/v1/clusters" | node -e "
      let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => {
        const c = JSON.parse(s).items[0]; if (!c) process.exit(1); process.stdout.write(c.metadata.namespace); });")"; do
      sleep 0.5
    done
    cp_flag=()
    [ "$role" = control-plane ] && cp_flag=(--control-plane)
    start kubelet node e2e/src/netns/kubelet.ts --api "$api" --node "$name" --internal-ip "$ip" \
      "${cp_flag[@]}" --interval 1000 --ports 80,443
    if [ "$role" = control-plane ]; then
      "${tsx[@]}" e2e/src/advertiser-config.ts /topology/cluster.yaml "$ip" >/etc/bgpadvertiser.conf
      vip="$(node -e "
        const { parseAllDocuments } = require('/bgplb/e2e/node_modules/yaml');
        const docs = parseAllDocuments(require('node:fs').readFileSync('/topology/cluster.yaml', 'utf8')).map((d) => d.toJS());
        process.stdout.write(docs.find((d) => d && d.kind === 'Cluster').spec.loadBalancer.vips.controlPlaneVIP);")"
      start advertiser node apps/advertiser/dist/cli.js --config /etc/bgpadvertiser.conf \
        --advertise-ip "$vip" --vip-interface lo --health-addr 127.0.0.1:8080
    fi
    start agent node apps/advertiser/dist/cli.js agent --node-name "$name" --kubeconfig /etc/bgplb-kubeconfig \
      --cluster-namespace "$ns" --health-addr 127.0.0.1:8081 --heartbeat 2s --connect-retry-time 1
    ;;
  *)
    echo "usage: bgplb-e2e-node ctl | control-plane NAME IP | worker NAME IP" >&2
    exit 2
    ;;
esac
wait -n
echo "bgplb-e2e-node: a process exited; logs in $logs" >&2
exit 1
