/**
 * @bgplb/kube-runtime: the Kubernetes plumbing shared by bgplb-controller and bgpadvertiser.
 * One place for each concern: API client and kubeconfig loading, informers and caches, Events,
 * leader election, the work queue, the health/metrics HTTP server, the logger and CLI helpers.
 * It knows nothing of BGP.
 */
export const KUBE_RUNTIME_PACKAGE = '@bgplb/kube-runtime';
