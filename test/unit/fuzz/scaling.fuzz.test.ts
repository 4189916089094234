/**
 * Every parser runs in time linear-ish in its input. Each adversarial case of scaling-cases.ts runs in a worker thread,
 * three times on ~100 KB and once on ~1 MB. It must complete: a worker can be stopped, where a hung regex on the test
 * thread could not be. And 10x the input must not take anywhere near 100x the time: the bound is 60x per run (measured
 * again before failing), because garbage collection makes some linear parsers look 30x slower at 1 MB than at 100 KB
 * on a busy 2-core machine, while the quadratic scans this found took 100x and more. Tiny times are floored.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SCALING_CASES } from './scaling-cases';

const BIG = 1 << 20;
const SMALL = Math.round(BIG / 10);
const SMALL_RUNS = 3;
/** Allowed time for the 1 MB run, in runs of 100 KB. */
const RATIO = 60;
const FLOOR_MS = 1;
/** Per case; a quadratic parser at 1 MB takes minutes. */
const DEADLINE_MS = 8000;

// The worker loads the TypeScript sources through a tiny transpile-only require hook.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const fs = require('node:fs');
const ts = require(workerData.typescript);
require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};
const { SCALING_CASES } = require(workerData.cases);
const time = (c, size, runs) => {
  const inputs = Array.from({ length: runs }, () => c.build(size));
  const start = performance.now();
  for (const input of inputs) c.run(input);
  return performance.now() - start;
};
parentPort.on('message', ({ id, small, smallRuns, big }) => {
  const c = SCALING_CASES.find((x) => x.id === id);
  try {
    let smallMs = time(c, small, smallRuns) / smallRuns;
    let bigMs = time(c, big, 1);
    if (bigMs > ${RATIO / 2} * Math.max(smallMs, ${FLOOR_MS})) {
      // Suspicious: measure again before reporting (a GC pause or a busy neighbour can inflate one run).
      smallMs = Math.min(smallMs, time(c, small, smallRuns) / smallRuns);
      bigMs = Math.min(bigMs, time(c, big, 1));
    }
    parentPort.postMessage({ id, smallMs, bigMs });
  } catch (error) {
    parentPort.postMessage({ id, error: String((error && error.stack) || error) });
  }
});
`;

type Result = { id: string; smallMs: number; bigMs: number; error?: undefined } | { id: string; error: string };

let worker: Worker | undefined;
function startWorker(): Worker {
  worker ??= new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { typescript: require.resolve('typescript'), cases: path.join(__dirname, 'scaling-cases.ts') },
    // A young generation big enough for the garbage of a 1 MB run, as for a 100 KB one: fewer GC-made ratios.
    resourceLimits: { maxOldGenerationSizeMb: 1024, maxYoungGenerationSizeMb: 192 },
  });
  return worker;
}

function measure(id: string): Promise<Result> {
  const w = startWorker();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      void w.terminate();
      worker = undefined;
      reject(new Error(`${id}: did not complete within ${DEADLINE_MS / 1000} s on ${SMALL_RUNS} x ${SMALL} and ${BIG} characters (hung, or super-linear)`));
    }, DEADLINE_MS);
    const onMessage = (result: Result): void => {
      if (result.id !== id) return;
      cleanup();
      resolve(result);
    };
    const onError = (error: Error): void => {
      cleanup();
      worker = undefined;
      reject(error);
    };
    const cleanup = (): void => {
      clearTimeout(timer);
      w.off('message', onMessage);
      w.off('error', onError);
    };
    w.on('message', onMessage);
    w.on('error', onError);
    w.postMessage({ id, small: SMALL, smallRuns: SMALL_RUNS, big: BIG });
  });
}

afterAll(async () => {
  await worker?.terminate();
});

describe('parsers complete on 1 MB adversarial inputs in time linear-ish in the input', () => {
  it.each(SCALING_CASES.map((c) => [c.id]))('%s', async (id) => {
    const result = await measure(id);
    if (result.error !== undefined) throw new Error(`${id} threw: ${result.error}`);
    if (result.bigMs > RATIO * Math.max(result.smallMs, FLOOR_MS)) {
      throw new Error(`${id}: ${BIG} characters took ${result.bigMs.toFixed(1)} ms, ${SMALL} took ${result.smallMs.toFixed(1)} ms: ${(result.bigMs / result.smallMs).toFixed(0)}x the time for 10x the input`);
    }
  }, DEADLINE_MS + 5000);
});
