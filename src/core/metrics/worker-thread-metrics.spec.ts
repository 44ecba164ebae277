import { MessageChannel } from 'node:worker_threads';
import { AggregatorRegistry, Counter, Registry } from 'prom-client';
import { answerMetricsRequests, WorkerThreadMetrics } from './worker-thread-metrics';

describe('WorkerThreadMetrics', () => {
  const channels: MessageChannel[] = [];
  const channel = () => {
    const c = new MessageChannel();
    channels.push(c);
    return c;
  };
  afterEach(() => {
    for (const c of channels.splice(0)) {
      c.port1.close();
      c.port2.close();
    }
  });

  it("brings the other side's metrics, which add up with this side's", async () => {
    const { port1, port2 } = channel();
    const theirs = new Registry();
    new Counter({ name: 'jobs_total', help: 'jobs', labelNames: ['outcome'], registers: [theirs] }).inc(
      { outcome: 'processed' },
      5,
    );
    answerMetricsRequests(port2, theirs);
    const ours = new Registry();
    new Counter({ name: 'jobs_total', help: 'jobs', labelNames: ['outcome'], registers: [ours] }).inc(
      { outcome: 'processed' },
      2,
    );

    const remote = await new WorkerThreadMetrics(port1).collect();
    const text = await AggregatorRegistry.aggregate([await ours.getMetricsAsJSON(), remote]).metrics();
    expect(text).toContain('jobs_total{outcome="processed"} 7');
    expect(text.match(/# TYPE jobs_total/g)).toHaveLength(1);
  });

  it('answers with the last metrics it had when the other side does not answer in time', async () => {
    const { port1, port2 } = channel();
    const theirs = new Registry();
    const counter = new Counter({ name: 'jobs_total', help: 'jobs', registers: [theirs] });
    counter.inc(3);
    answerMetricsRequests(port2, theirs);
    const metrics = new WorkerThreadMetrics(port1, 50);
    expect(JSON.stringify(await metrics.collect())).toContain('"value":3');
    port2.removeAllListeners('message'); // the other side is busy now
    counter.inc(1);
    expect(JSON.stringify(await metrics.collect())).toContain('"value":3');
  });
});
