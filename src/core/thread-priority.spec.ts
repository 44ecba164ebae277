import { getPriority } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { niceThisThread } from './thread-priority';

/** Runs niceThisThread on a thread of its own; resolves with what it returned and the thread's priority after. */
function onAThread(nice: number): Promise<{ returned: number | null; after: number }> {
  const code = `
    require('ts-node').register({ transpileOnly: true });
    const { parentPort, workerData } = require('node:worker_threads');
    const { getPriority } = require('node:os');
    const { niceThisThread } = require(workerData.module);
    const returned = niceThisThread(workerData.nice);
    parentPort.postMessage({ returned, after: getPriority(0) });`;
  const worker = new Worker(code, { eval: true, workerData: { nice, module: join(__dirname, 'thread-priority.ts') } });
  return new Promise((resolve, reject) => {
    worker.once('message', (m: { returned: number | null; after: number }) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

describe('niceThisThread', () => {
  const linux = process.platform === 'linux' ? it : it.skip;

  linux(
    'lowers the priority of the calling thread only, not of the process',
    async () => {
      const before = getPriority(0);
      const { returned, after } = await onAThread(10);
      expect(after).toBe(Math.max(before, 10));
      expect(returned).toBe(after);
      expect(getPriority(0)).toBe(before);
    },
    30_000,
  );

  it('leaves the thread alone for 0, and on other platforms (where the process would be lowered)', () => {
    const before = getPriority(0);
    expect(niceThisThread(0)).toBeNull();
    expect(niceThisThread(10, 'darwin')).toBeNull();
    expect(niceThisThread(10, 'win32')).toBeNull();
    expect(getPriority(0)).toBe(before);
  });
});
