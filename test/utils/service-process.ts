import { ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

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

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 60000): Promise<void> {
    const args = this.compiled ? [join(ROOT, 'dist', 'main.js')] : ['-r', 'ts-node/register/transpile-only', join(ROOT, 'src', 'main.ts')];
    this.output = '';
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.on('data', (d) => (this.output += d));
    child.stderr!.on('data', (d) => (this.output += d));
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

  /** SIGKILL: no shutdown hook runs, nothing is flushed. What was acknowledged must already be durable. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  }
}
