import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
/** `npm start`'s node arguments (its V8 flags included), so that the benchmark runs the service exactly so. */
const START_ARGS = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split(' ')
  .slice(1);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The real service in a child process, started the way `npm start` starts it (main.ts, migrations at boot):
 * from dist/ when `compiled` (the benchmark), otherwise from the TypeScript sources.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  output = '';

  constructor(
    readonly env: Record<string, string>,
    private readonly compiled = false,
  ) {}

  get port(): number {
    return Number(this.env.PORT);
  }

  /** The child's process id, once started. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 60000): Promise<void> {
    const args = this.compiled
      ? [...START_ARGS]
      : ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')];
    if (process.env.SLGW_NODE_FLAGS) args.unshift(...process.env.SLGW_NODE_FLAGS.split(' '));
    this.output = '';
    const child = spawn(process.execPath, args, {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stdout.on('data', (d) => (this.output += d));
    child.stderr.on('data', (d) => (this.output += d));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`service exited with ${child.exitCode}:\n${this.output}`);
      // A worker-only process has no HTTP server: it is ready when it says so.
      if (this.env.ROLE === 'worker') {
        if (this.output.includes('Worker started')) return;
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      try {
        const res = await fetch(`${this.baseUrl}/health`);
        if (res.status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`service did not become healthy in ${timeoutMs} ms:\n${this.output}`);
  }

  /** Sends a signal without waiting for anything: SIGSTOP freezes the process (as a stalled host would), SIGCONT resumes it. */
  signal(signal: NodeJS.Signals): void {
    this.child?.kill(signal);
  }

  /**
   * SIGKILL (default): no shutdown hook runs, nothing is flushed. What was acknowledged must already be durable.
   * Resolves with how the process ended.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null)
      return { code: child?.exitCode ?? null, signal: child?.signalCode ?? null };
    return new Promise((resolve) => {
      child.once('exit', (code, sig) => resolve({ code, signal: sig }));
      child.kill(signal);
    });
  }
}
