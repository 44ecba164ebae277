import { getPriority, setPriority } from 'node:os';

/**
 * Lowers the CPU priority of the calling thread to `nice` (0-19; 0: left alone). Linux only: there the nice value
 * belongs to a thread (setpriority(2), "Bugs"), so the process's other threads keep theirs; elsewhere it belongs to
 * the whole process, and nothing is changed. Never raises it. Returns the thread's nice value afterwards,
 * or null when it was left alone.
 */
export function niceThisThread(nice: number, platform: NodeJS.Platform = process.platform): number | null {
  if (platform !== 'linux' || nice === 0) return null;
  // pid 0: the caller, which on Linux is this thread. A thread started at a lower priority already (the process was
  // niced further) keeps it: raising it back would need a privilege, and is not what was asked.
  if (getPriority(0) < nice) setPriority(0, nice);
  return getPriority(0);
}
