/** The Prometheus text exposition, parsed as far as the specs need: the declared metrics and their samples. */
export interface Scrape {
  /** Metric name -> type, from the `# TYPE` lines. */
  types: Map<string, string>;
  samples: { name: string; labels: Record<string, string>; value: number }[];
  /** The value of the one sample of `name` whose labels include `labels`; undefined if there is none. */
  value: (name: string, labels?: Record<string, string>) => number | undefined;
  /** Every series name a query may use: counters and gauges by name, histograms by _bucket, _sum and _count. */
  seriesNames: () => Set<string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Scrape {
  const types = new Map<string, string>();
  const samples: Scrape['samples'] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# TYPE ')) {
      const [, , name, type] = line.split(' ');
      if (types.has(name)) throw new Error(`metric ${name} is declared twice`);
      types.set(name, type);
      continue;
    }
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  const value = (name: string, labels: Record<string, string> = {}) => {
    const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
    return found[0]?.value;
  };
  const seriesNames = () => {
    const names = new Set<string>();
    for (const [name, type] of types) {
      if (type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
      else if (type === 'summary') for (const suffix of ['', '_sum', '_count']) names.add(name + suffix);
      else names.add(name);
    }
    return names;
  };
  return { types, samples, value, seriesNames };
}
