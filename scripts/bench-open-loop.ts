/**
 * The open-loop load generator of `npm run bench -- --rates ...`, run in a process of its own (forked by
 * bench.ts, options and result over IPC) so that its event loop never waits on the benchmark's.
 *
 * Open loop: request k is due at t0 + k / rate whatever happened to the ones before it. When no keep-alive
 * connection is free a due request waits (up to `connections` sockets are opened, then requests queue), and
 * its latency counts from the time it was due, not from when it could be written: a service that stalls
 * for 100 ms shows 100 ms of latency for every request due meanwhile, instead of hiding it by sending
 * fewer (coordinated omission). HTTP/1.1 is written and parsed by hand on raw sockets: node:http's client
 * costs several times more CPU per request, and the generator shares the cores with what it measures.
 */
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { benchEvent } from './bench-event';

export interface OpenLoopOptions {
  url: string;
  /** Requests per second. */
  rate: number;
  seconds: number;
  /** Most sockets opened; due requests beyond that wait for one (and their wait counts as latency). */
  connections: number;
  /** Tells this run's events apart from other runs' (see benchEvent). */
  run: string;
  secret: string;
  /** Seconds to wait for the last answers after the schedule has ended; what is still missing then is an error. */
  drainTimeout: number;
}

export interface OpenLoopResult {
  rate: number;
  scheduled: number;
  /** Answers with status 200. */
  ok: number;
  /** Answers with another status. */
  non200: number;
  /** Requests without an answer: socket errors, closed connections, still waiting at the timeout. */
  errors: number;
  /** 200s per second, from the first request's due time to the last answer. */
  reached: number;
  /** From the first due time to the last answer. */
  seconds: number;
  /** Latency from the due time, ms: every answered request, whatever its status. */
  p50: number;
  p90: number;
  p99: number;
  max: number;
  /** Sockets opened. */
  sockets: number;
  /** How late the generator wrote requests that had a free socket (its own lag), ms at p99. */
  sendLagP99: number;
  /** The generator's own CPU time per request (user + system), microseconds. */
  cpuPerRequest: number;
}

interface Connection {
  socket: net.Socket;
  ready: boolean;
  /** Index of the request in flight on it, or -1. */
  inFlight: number;
  buffer: Buffer | null;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CHUNKED_END = Buffer.from('\r\n0\r\n\r\n');

export function runOpenLoop(o: OpenLoopOptions): Promise<OpenLoopResult> {
  const target = new URL(o.url);
  const host = target.hostname;
  const port = Number(target.port || 80);
  const head = `POST ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\nContent-Length: `;
  const total = Math.max(1, Math.round(o.rate * o.seconds));
  const interval = 1000 / o.rate;
  const latency = new Float64Array(total).fill(-1);
  const sendLag: number[] = [];
  const connections: Connection[] = [];
  const idle: Connection[] = [];
  let opening = 0;
  let opened = 0;
  let ok = 0;
  let non200 = 0;
  let errors = 0;
  let answered = 0;
  /** Requests [next, due) are due and not written yet. */
  let next = 0;
  let due = 0;
  let lastAnswer = 0;
  // A little ahead, so that the first sockets are connected when the schedule starts.
  const t0 = performance.now() + 200;
  const cpuAtStart = process.cpuUsage();
  const dueAt = (k: number) => t0 + k * interval;

  return new Promise((resolve) => {
    let finished = false;
    let ticker: NodeJS.Timeout | undefined;
    let deadline: NodeJS.Timeout | undefined;

    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(ticker);
      clearTimeout(deadline);
      for (const c of connections) c.socket.destroy();
      const cpu = process.cpuUsage(cpuAtStart);
      const missing = total - answered;
      errors += missing;
      const times = Array.from(latency.filter((v) => v >= 0)).sort((a, b) => a - b);
      const pick = (q: number) =>
        times.length ? times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] : NaN;
      const lags = sendLag.sort((a, b) => a - b);
      const seconds = ((lastAnswer || performance.now()) - t0) / 1000;
      resolve({
        rate: o.rate,
        scheduled: total,
        ok,
        non200,
        errors,
        reached: ok / Math.max(seconds, o.seconds),
        seconds,
        p50: pick(0.5),
        p90: pick(0.9),
        p99: pick(0.99),
        max: times.length ? times[times.length - 1] : NaN,
        sockets: opened,
        sendLagP99: lags.length ? lags[Math.min(lags.length - 1, Math.ceil(0.99 * lags.length) - 1)] : NaN,
        cpuPerRequest: (cpu.user + cpu.system) / total,
      });
    };

    const answer = (c: Connection, status: number) => {
      const k = c.inFlight;
      c.inFlight = -1;
      const now = performance.now();
      latency[k] = now - dueAt(k);
      lastAnswer = now;
      answered++;
      if (status === 200) ok++;
      else non200++;
      if (answered === total) return finish();
      idle.push(c);
      dispatch();
    };

    /** Parses what arrived on a connection: one answer at most is in flight on it (no pipelining). */
    const onData = (c: Connection, chunk: Buffer) => {
      c.buffer = c.buffer ? Buffer.concat([c.buffer, chunk]) : chunk;
      const buf = c.buffer;
      const end = buf.indexOf(HEADER_END);
      if (end < 0 || c.inFlight < 0) return;
      const headers = buf.toString('latin1', 0, end);
      const status = Number(headers.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(headers);
      let complete: number;
      if (length) complete = end + 4 + Number(length[1]);
      else if (/\r\ntransfer-encoding:\s*chunked/i.test(headers)) {
        const tail = buf.indexOf(CHUNKED_END, end);
        complete = tail < 0 ? Infinity : tail + CHUNKED_END.length;
      } else complete = end + 4;
      if (buf.length < complete) return;
      c.buffer = buf.length > complete ? buf.subarray(complete) : null;
      answer(c, status);
    };

    const lose = (c: Connection) => {
      const i = connections.indexOf(c);
      if (i < 0) return;
      connections.splice(i, 1);
      const j = idle.indexOf(c);
      if (j >= 0) idle.splice(j, 1);
      if (!c.ready) opening--;
      if (c.inFlight >= 0) {
        // Counted as an error at the end (it has no latency); the schedule goes on.
        c.inFlight = -1;
        answered++;
        errors++;
        if (answered === total) return finish();
      }
      if (!finished) dispatch();
    };

    const open = () => {
      opening++;
      opened++;
      const socket = net.connect({ host, port, noDelay: true });
      const c: Connection = { socket, ready: false, inFlight: -1, buffer: null };
      connections.push(c);
      socket.on('connect', () => {
        c.ready = true;
        opening--;
        idle.push(c);
        dispatch();
      });
      socket.on('data', (chunk) => onData(c, chunk));
      socket.on('error', () => lose(c));
      socket.on('close', () => lose(c));
    };

    const write = (c: Connection, k: number) => {
      const body = benchEvent(k, o.run, o.secret);
      c.inFlight = k;
      c.socket.write(`${head}${Buffer.byteLength(body)}\r\n\r\n${body}`);
    };

    const dispatch = () => {
      while (next < due && idle.length) {
        const lag = performance.now() - dueAt(next);
        if (sendLag.length < 200_000) sendLag.push(lag);
        write(idle.pop()!, next++);
      }
      // Waiting requests and no free socket: open more, up to the limit (one per waiting request).
      const waiting = due - next - opening;
      for (let i = 0; i < waiting && connections.length < o.connections; i++) open();
    };

    const tick = () => {
      const now = performance.now();
      due = Math.min(total, Math.max(due, Math.floor((now - t0) / interval) + 1));
      dispatch();
      if (due < total) {
        ticker = setTimeout(tick, Math.max(0, Math.min(1, dueAt(due) - performance.now())));
      } else {
        deadline = setTimeout(finish, o.drainTimeout * 1000 + 1000 * Math.max(0, (dueAt(total) - now) / 1000));
      }
    };

    // A base of sockets before the schedule starts; more open on demand.
    for (let i = 0; i < Math.min(o.connections, 16); i++) open();
    ticker = setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
}

// Run as a child process: one run per message, the result sent back.
if (require.main === module) {
  process.on('message', (options: OpenLoopOptions) => {
    runOpenLoop(options).then(
      (result) => process.send!(result, () => process.exit(0)),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
  process.send!('ready');
}
