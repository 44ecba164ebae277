import { performance } from 'node:perf_hooks';

/**
 * Webhook requests of this process not answered yet, averaged over time: how many SocketLabs connections are
 * waiting on the receiver. A few are normal (each waits a millisecond or two for its commit); dozens mean the
 * answers are slowing down. Two clock reads per request.
 */
export class InFlightGauge {
  private count = 0;
  /** Requests x milliseconds since `since`. */
  private area = 0;
  /** Requests x milliseconds before `since` (handed out by takeMean). */
  private retired = 0;
  private since: number;
  private changedAt: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.since = this.changedAt = now();
  }

  enter(): void {
    this.advance();
    this.count++;
  }

  leave(): void {
    this.advance();
    this.count--;
  }

  /** Requests in flight now. */
  get current(): number {
    return this.count;
  }

  /** The mean number of requests in flight since the previous call (or since the gauge was made). */
  takeMean(): number {
    this.advance();
    const span = this.changedAt - this.since;
    const mean = span > 0 ? this.area / span : this.count;
    this.retired += this.area;
    this.area = 0;
    this.since = this.changedAt;
    return mean;
  }

  /**
   * Requests x seconds in flight since the gauge was made: the sum of the durations of every request so far (those
   * still in flight up to now). Its rate over the rate of requests is their mean duration. Read at scrape time.
   */
  get totalSeconds(): number {
    this.advance();
    return (this.retired + this.area) / 1000;
  }

  private advance(): void {
    const t = this.now();
    this.area += this.count * (t - this.changedAt);
    this.changedAt = t;
  }
}
