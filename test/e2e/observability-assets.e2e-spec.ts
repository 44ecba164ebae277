import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createTestApp, TestApp } from '../utils/test-app';
import { parseMetrics } from './metrics-text';

const ROOT = join(__dirname, '..', '..');
const DASHBOARD = join(ROOT, 'deploy', 'grafana', 'socketlabs-gateway.json');
const ALERTS = join(ROOT, 'deploy', 'prometheus', 'alerts.yml');
/** The metric names a query can use from this service: its own, BullMQ's counts, prom-client's process defaults. */
const METRIC_NAME = /\b(?:slgw|bullmq|process|nodejs)_[a-zA-Z0-9_]+\b/g;

interface Panel {
  type: string;
  title: string;
  id: number;
  targets?: { expr: string }[];
  panels?: Panel[];
}

interface Rule {
  alert: string;
  expr: string;
  for: string;
  labels: { severity: string };
  annotations: { summary: string; description: string };
}

function metricNames(expressions: string[]): Set<string> {
  return new Set(expressions.flatMap((e) => e.match(METRIC_NAME) ?? []));
}

describe('Grafana dashboard and Prometheus alert rules (e2e)', () => {
  let t: TestApp;
  let available: Set<string>;

  beforeAll(async () => {
    t = await createTestApp();
    const res = await t.request({ method: 'GET', url: '/metrics', apiKey: null });
    expect(res.statusCode).toBe(200);
    available = parseMetrics(res.body).seriesNames();
  });

  afterAll(async () => {
    await t?.close();
  });

  it('the dashboard queries only metrics that the service exposes', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      uid: string;
      panels: Panel[];
      templating: { list: { query?: unknown }[] };
    };
    expect(dashboard.uid).toBe('socketlabs-gateway');
    const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const queried = panels.filter((p) => p.type !== 'row');
    expect(
      queried.filter((p) => !(p.targets ?? []).length || p.targets!.some((q) => !q.expr.trim())).map((p) => p.title),
    ).toEqual([]);

    const expressions = [
      ...queried.flatMap((p) => p.targets!.map((q) => q.expr)),
      ...dashboard.templating.list.map((v) => JSON.stringify(v.query ?? '')),
    ];
    const used = metricNames(expressions);
    expect(used.size).toBeGreaterThanOrEqual(20);
    expect([...used].filter((name) => !available.has(name))).toEqual([]);
  });

  it('the alert rules use only metrics that the service exposes, and cover lag, dead events, 5xx, a slow webhook and SocketLabs', () => {
    const file = parse(readFileSync(ALERTS, 'utf8')) as { groups: { name: string; rules: Rule[] }[] };
    const rules = file.groups.flatMap((g) => g.rules);
    for (const r of rules) {
      expect(r).toEqual({
        alert: expect.stringMatching(/^SocketLabsGateway[A-Za-z0-9]+$/),
        expr: expect.any(String),
        for: expect.stringMatching(/^\d+[smh]$/),
        labels: { severity: expect.stringMatching(/^(warning|critical)$/) },
        annotations: { summary: expect.any(String), description: expect.any(String) },
      });
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);

    const used = metricNames(rules.map((r) => r.expr));
    expect([...used].filter((name) => !available.has(name))).toEqual([]);
    for (const needed of [
      'slgw_processing_lag_seconds',
      'slgw_events_dead',
      'slgw_webhook_requests_total',
      'slgw_webhook_request_seconds_bucket',
      'slgw_api_requests_total',
      'slgw_socketlabs_requests_total',
    ]) {
      expect(used).toContain(needed);
    }
    expect(rules.some((r) => /slgw_webhook_requests_total\{status=~"5\.\."\}/.test(r.expr))).toBe(true);
    expect(rules.some((r) => /slgw_api_requests_total\{status=~"5\.\."\}/.test(r.expr))).toBe(true);
  });

  it('a name the service does not expose would be caught', () => {
    expect([...metricNames(['rate(slgw_webhook_requests_totl[5m])'])].filter((name) => !available.has(name))).toEqual([
      'slgw_webhook_requests_totl',
    ]);
  });
});
