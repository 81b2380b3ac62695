/**
 * Default of `--last-good-config` (live mode's last good Cluster, `last-good.ts`), in a module of
 * its own: the command line and the static-pod manifest need the path, not the file code, which
 * would bring `node:fs/promises` onto the control-plane command's start path.
 */
export const DEFAULT_LAST_GOOD_PATH = '/var/lib/bgpadvertiser/last-good-cluster.yaml';
