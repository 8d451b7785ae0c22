/**
 * B6's load generator: C closed-loop round-trip clients and the members of the gateway's `flood`
 * group in one process, so the window's generator CPU covers both: first N members that read
 * (cohort `readers`), later N that never read after joining (cohort `slow`). The orchestrator
 * drives it with commands on stdin, since the slow-reader window ends when the gateway has dropped
 * the slow members, which only the gateway can tell:
 *
 * - `run`: starts the round-trip loops (`running`);
 * - `swap`: the readers leave and N slow members join (`swapped`);
 * - `open`: opens a measured window (`opened`);
 * - `close`: closes the window (`window`: replies, latencies, CPU, the readers' pushes);
 * - `finish <expectedClosed>`: stops the loops, lets the slow members read again to see which the
 *   gateway closed, and reports (`result`), then exits.
 *
 * Usage: node --import tsx slow-reader-load.ts '<SlowReaderLoadParams JSON>'
 */
import { childParams, emit, listenToParent } from '../harness/child-messages.js';
import { closeWindow, openWindow, type OpenWindow, type WindowFigures } from '../harness/measured-window.js';
import type { LatencySummary } from '../harness/percentiles.js';
import { ClosedLoopClients } from './closed-loop-clients.js';
import { GroupMembers, type MemberCounts, type MembersOutcome } from './group-members.js';

/** What the orchestrator passes. */
export interface SlowReaderLoadParams {
  readonly url: string;
  /** Round-trip clients. */
  readonly clients: number;
  readonly route: string;
  /** Request body, base64. */
  readonly body: string;
  /** Group members. */
  readonly members: number;
  readonly joinRoute: string;
  /** Server processes to charge, name → pid. */
  readonly serverPids: Record<string, number>;
}

/** One measured window. */
export interface SlowReaderWindow extends WindowFigures {
  readonly replies: number;
  readonly errors: number;
  readonly latencyMs: LatencySummary;
  /** Pushes and bytes the reading members received in the window. */
  readonly memberPushes: number;
  readonly memberBytes: number;
}

/** The generator's last word. */
export type SlowReaderLoadResult = MembersOutcome;

const params = childParams<SlowReaderLoadParams>();
/** Commands wait here until the clients are connected (stdin closing ends the process at any time). */
let onCommand: (line: string) => void = () => {};
listenToParent((line) => onCommand(line));

async function main(): Promise<void> {
  const readers = await GroupMembers.join(params.url, params.members, params.joinRoute, { cohort: 'readers' }, true);
  let slow: GroupMembers | undefined;
  const loops = await ClosedLoopClients.connect(params.url, params.clients, params.route, Buffer.from(params.body, 'base64'));
  let window: { open: OpenWindow; members: MemberCounts } | undefined;
  let finishing = false;

  const commands: Record<string, (args: string[]) => Promise<void> | void> = {
    run: () => {
      loops.start();
      emit('running', {});
    },
    swap: async () => {
      readers.leave();
      slow = await GroupMembers.join(params.url, params.members, params.joinRoute, { cohort: 'slow' }, false);
      emit('swapped', {});
    },
    open: () => {
      loops.openWindow();
      window = { open: openWindow(params.serverPids), members: readers.counts() };
      emit('opened', {});
    },
    close: () => {
      if (!window) throw new Error('close without an open window');
      const figures = closeWindow(window.open, params.serverPids);
      const counted = loops.closeWindow();
      const now = readers.counts();
      const out: SlowReaderWindow = {
        ...figures,
        ...counted,
        memberPushes: now.pushes - window.members.pushes,
        memberBytes: now.bytes - window.members.bytes,
      };
      window = undefined;
      emit('window', { ...out });
    },
    finish: async (args) => {
      if (finishing) return;
      finishing = true;
      await loops.stop();
      const outcome: SlowReaderLoadResult = slow ? await slow.finish(Number(args[0] ?? 0), 10_000) : { closedByServer: 0, closeCodes: {}, stillOpen: 0 };
      emit('result', { ...outcome });
      process.exit(0);
    },
  };

  onCommand = (line) => {
    const [name, ...args] = line.split(/\s+/);
    const command = name ? commands[name] : undefined;
    if (!command) return;
    Promise.resolve()
      .then(() => command(args))
      .catch((err: unknown) => {
        emit('error', { message: err instanceof Error ? err.stack : String(err) });
        process.exit(1);
      });
  };
  emit('connected', { clients: params.clients, members: params.members });
}

main().catch((err: unknown) => {
  emit('error', { message: err instanceof Error ? err.stack : String(err) });
  process.exit(1);
});
