import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the CPU priority of the calling thread to `nice` (0-19; 0: left alone). Linux only: there setpriority() on
 * pid 0 sets the nice value of the calling thread, so the process's other threads keep theirs (checked by
 * thread-priority.spec.ts); elsewhere it sets the whole process's, and nothing is changed. Never raises it. Returns
 * the thread's nice value afterwards, or null when it was left alone.
 */
export function niceThisThread(nice: number, platform: NodeJS.Platform = process.platform): number | null {
  if (platform !== 'linux' || nice === 0) return null;
  // pid 0: the caller, which on Linux is this thread. A thread started at a lower priority already (the process was
  // niced further) keeps it: raising it back would need a privilege, and is not what was asked.
  if (getPriority(0) < nice) setPriority(0, nice);
  return getPriority(0);
}
