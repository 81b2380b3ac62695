export { type ChildExit, childExit, PIPES_GRACE_MS } from './child-exit.js';
export { CommandError, type RunResult, run, waitFor } from './exec.js';
export { bgpSummaries, type FrrBfdPeer, type FrrOptions, FrrRouter, frrBfdProfile } from './frr.js';
export { Host, Lab, Switch } from './lab.js';
export { LabProcess } from './lab-process.js';
export { BFDD, BGPD, labSkipReason, ZEBRA } from './preconditions.js';
export { parseRouteMonitor, type RouteEvent, RouteMonitor } from './route-monitor.js';
