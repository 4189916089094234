/**
 * What the test process holds open, for leak checks: the proxy runs in-process, so every socket it opens or accepts
 * (client side, upstream side, TLS or not: TLS rides on a TCP handle) is one TCPSocketWrap here.
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

/** Open TCP sockets in this process (listening servers are TCPServerWrap and not counted). */
export function openTcpSockets(): number {
  let count = 0;
  for (const resource of process.getActiveResourcesInfo()) if (resource === 'TCPSocketWrap') count += 1;
  return count;
}

/**
 * Resolves once at most `baseline` TCP sockets are open; rejects after `deadlineMs` naming the count. Sockets close
 * on their own schedule (a peer's FIN, a destroy on the other side of the proxy) and Node has no event for "the
 * process's handle count changed", so this polls — once per event-loop turn (setImmediate), so I/O keeps flowing
 * between checks and the wait ends on the turn the last socket closes.
 */
export function socketsBackTo(baseline: number, deadlineMs = 5000): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const open = openTcpSockets();
      if (open <= baseline) resolve();
      else if (performance.now() > deadline) reject(new Error(`${open} TCP sockets still open ${deadlineMs} ms later, baseline ${baseline}: a socket leaked`));
      else setImmediate(check);
    };
    check();
  });
}

let collect: (() => void) | undefined;

/** Full garbage collections, so memory figures compare live data rather than garbage not yet collected. */
export function collectGarbage(): void {
  if (!collect) {
    // Jest starts workers without --expose-gc; the flag can still be turned on and gc() taken from a fresh context.
    v8.setFlagsFromString('--expose-gc');
    collect = vm.runInNewContext('gc') as () => void;
  }
  collect();
  // Buffer memory freed by a collection is released by a background sweeper; the next collection waits for it to
  // finish, so after two the `arrayBuffers` figure no longer counts dead Buffers.
  collect();
}

/** Live JS heap plus Buffer memory (Buffers live outside the heap), in bytes. */
export function liveMemory(): number {
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}
