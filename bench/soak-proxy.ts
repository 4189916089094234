/**
 * proxydoc for the soak: `node --inspect=127.0.0.1:0 bin/proxydoc start --port 0 …`, exactly as users start it
 * plus an inspector on a loopback port. The inspector lets the soak force a full garbage collection before each
 * memory reading (Chrome DevTools Protocol, HeapProfiler.collectGarbage): RSS read without one mostly says when V8
 * last collected, and a leak hides in that noise. Nothing else goes over it.
 */
import { WebSocket } from 'undici';
import { startProxydoc, type RunningProxydoc } from './proxy-process';

const INSPECTOR_TIMEOUT_MS = 30_000;

export interface SoakProxydoc extends RunningProxydoc {
  /** Forces a full GC in proxydoc (twice: the first may only finish what was pending) and returns its memory. */
  collectGarbage(): Promise<{ heapUsedMiB: number; externalMiB: number }>;
}

export async function startSoakProxydoc(options: { caDir: string; logDir: string; upstreamCaPath: string }): Promise<SoakProxydoc> {
  const proxy = await startProxydoc({ ...options, inspect: true });
  const inspectorUrl = proxy.inspectorUrl as string; // startProxydoc rejects when `inspect` found no address
  return { ...proxy, collectGarbage: () => collectGarbage(inspectorUrl) };
}

/** One inspector session: collectGarbage twice, then process.memoryUsage() in proxydoc. */
function collectGarbage(inspectorUrl: string): Promise<{ heapUsedMiB: number; externalMiB: number }> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(inspectorUrl);
    const pending = new Map<number, (result: unknown) => void>();
    let nextId = 1;
    const timer = setTimeout(() => fail(new Error('the inspector did not answer within 30 s')), INSPECTOR_TIMEOUT_MS);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      socket.close();
      reject(error);
    };
    const call = (method: string, params: object = {}): Promise<unknown> =>
      new Promise((done) => {
        const id = nextId++;
        pending.set(id, done);
        socket.send(JSON.stringify({ id, method, params }));
      });
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      if (message.error) fail(new Error(`inspector: ${message.error.message}`));
      else pending.get(message.id)?.(message.result);
    });
    socket.addEventListener('error', () => fail(new Error(`cannot reach proxydoc's inspector at ${inspectorUrl}`)));
    socket.addEventListener('open', () => {
      void (async () => {
        await call('HeapProfiler.collectGarbage');
        await call('HeapProfiler.collectGarbage');
        const evaluated = (await call('Runtime.evaluate', { expression: 'JSON.stringify(process.memoryUsage())', returnByValue: true })) as { result: { value: string } };
        const usage = JSON.parse(evaluated.result.value) as { heapUsed: number; external: number };
        clearTimeout(timer);
        socket.close();
        resolve({ heapUsedMiB: usage.heapUsed / 2 ** 20, externalMiB: usage.external / 2 ** 20 });
      })().catch((error: Error) => fail(error));
    });
  });
}
