/**
 * The JSON lines between `bgpadvertiser preflight` (the workstation) and `bgpadvertiser
 * preflight-agent` (on a node, over --exec): one object per line each way.
 */
import type { TraceEvent } from './session-trace.js';

export type AgentRequest =
  /** Open a session from localIp to the peer; every event of it comes back as `trace`. */
  | {
      op: 'session';
      localIp: string;
      localAsn: number;
      peerIp: string;
      peerAsn: number;
      peerPort?: number;
      holdTime: number;
    }
  /** Bind the VIP on the interface, answer `name` on VIP:port, announce VIP/32 to the peer. */
  | { op: 'announce'; vip: string; port: number; name: string; vipInterface: string }
  /** Withdraw, close the responder, unbind, close the session, then exit. */
  | { op: 'stop' }
  /** Connect to VIP:port until the answer is `expect` or the budget is spent, then exit. */
  | { op: 'probe'; vip: string; port: number; expect: string; budgetMs: number; attemptTimeoutMs: number };

export type AgentMessage =
  | { ev: 'ready'; version: string }
  | { ev: 'trace'; e: TraceEvent }
  | { ev: 'announced'; vipAdded: boolean }
  | { ev: 'announce-failed'; reason: string }
  | { ev: 'probe'; ok: boolean; answer?: string; error?: string; attempts: number }
  /** Cleanup done; `problems` lists what could not be undone (empty: nothing left behind). */
  | { ev: 'closed'; problems: string[] }
  | { ev: 'error'; message: string };
