import { summarizeProfiles, type CpuProfile } from '../../../bench/cpu-profile';

const ROOT = '/repo';

function profile(): CpuProfile {
  return {
    nodes: [
      { id: 1, callFrame: { functionName: '(root)', url: '', lineNumber: -1 } },
      { id: 2, callFrame: { functionName: '(idle)', url: '', lineNumber: -1 } },
      { id: 3, callFrame: { functionName: 'finish', url: 'file:///repo/dist/src/capture/recorder.js', lineNumber: 80 } },
      { id: 4, callFrame: { functionName: 'emit', url: 'node:events', lineNumber: 470 } },
      { id: 5, callFrame: { functionName: 'get', url: 'file:///repo/node_modules/lru-cache/dist/index.js', lineNumber: 9 } },
      { id: 6, callFrame: { functionName: 'writev', url: '', lineNumber: -1 } },
    ],
    samples: [2, 3, 3, 4, 5, 6, 2],
    timeDeltas: [5000, 1000, 1000, 1000, 500, 500, 5000],
  };
}

describe('summarizeProfiles', () => {
  it('adds self time per function and module, leaving idle time out of the shares', () => {
    const summary = summarizeProfiles([profile(), profile()], ROOT);
    expect(summary.idleMs).toBe(20);
    expect(summary.busyMs).toBe(8);
    expect(summary.functions[0]).toEqual({ name: 'finish (dist/src/capture/recorder.js:81)', selfMs: 4, share: 0.5 });
    expect(summary.modules.map((m) => m.name)).toEqual(['dist/src/capture/recorder.js', 'node:events', 'lru-cache', '(native: C++ bindings, builtins)']);
  });
});
