export const USAGE = `Usage:
  bgpadvertiser --config FILE --advertise-ip IP [options]
  bgpadvertiser validate FILE...
  bgpadvertiser preflight --cluster-config FILE [--node-ip IP] [--timeout 30s] [--probe CMD]
  bgpadvertiser agent --node-name NODE [options]      (node agent; see 'bgpadvertiser agent --help')

Announces IP/32 over BGP to every peer in FILE, with next hop localIP and origin IGP, and serves
/healthz, /readyz and /metrics. SIGTERM/SIGINT withdraw and close the sessions (Cease/Administrative
Shutdown); SIGHUP re-reads FILE and adds/removes peers without touching the others.

Options:
  --config FILE              advertiser config (YAML: localIP, localASN, peers[{peerIP, peerASN}], timers)
  --advertise-ip IP          the VIP to announce as IP/32
  --health-addr HOST:PORT    health and metrics server (default 127.0.0.1:8080)
  --log-level LEVEL          trace, debug (shows keepalives), info (default), warn, error
  --log-format FORMAT        json (default) or pretty (for humans)
  --vip-interface DEV        hold IP/32 on DEV while announced (needs NET_ADMIN)
  --check-url URL            health-gate the VIP on this URL (e.g. https://127.0.0.1:6443/readyz)
  --check-interval DURATION  time between checks (default 5s)
  --check-timeout DURATION   timeout of one check (default 2s)
  --check-failure-threshold N  consecutive failures before withdrawing (default 3)
  --check-success-threshold N  consecutive successes before announcing again (default 1)
  --check-ca FILE            CA bundle (PEM) to verify the check URL's certificate
  --check-insecure           do not verify the check URL's certificate
  --peer-port PORT           TCP port of the peers (default 179)
  -h, --help                 show this help
  -v, --version              print the version

Validate:
  bgpadvertiser validate FILE...   cluster configuration files (multi-document YAML) and advertiser
                                   config files; prints file:line:col: message for every problem.
                                   Exit 0 valid, 1 invalid, 2 a file cannot be read.

Preflight (run on a control-plane node before creating the cluster):
  --cluster-config FILE      the cluster configuration (Cluster with spec.loadBalancer)
  --node-ip IP               this node's address (default: the control-plane node address found on a
                             local interface)
  --timeout DURATION         overall budget (default 30s); preflight always ends within it
  --probe CMD                also require CMD to succeed while the VIP is announced (run with sh -c;
                             env VIP, NODE_IP, PEER_IP, PEER_ASN), e.g. a ping from a client network
  --vip-interface DEV        hold the VIP on DEV during the check (so a probe can reach it)
  --peer-port PORT           TCP port of the peers (default 179)
  Exit 0 when every check passes, 1 when one fails, 2 on a usage or configuration error.
`;
