import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ROOT = join(__dirname, '..', '..');
const read = (file: string) => readFileSync(join(ROOT, file), 'utf8');

/**
 * No Docker engine runs where the tests run: docker-compose.yml, the Dockerfile and .dockerignore are checked
 * for the properties a deployment relies on, by reading them.
 */
describe('deployment files', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as {
    services: Record<string, any>;
    configs?: Record<string, any>;
  };
  const services = compose.services;
  const env = (name: string) => services[name].environment ?? {};

  it('runs PostgreSQL with a TCP health check, and Redis with AOF and noeviction', () => {
    const pgCheck = [services.postgres.healthcheck.test].flat().join(' ');
    expect(pgCheck).toMatch(/pg_isready/);
    expect(pgCheck).toMatch(/-h 127\.0\.0\.1/);
    const redis = [services.redis.command].flat().join(' ');
    expect(redis).toMatch(/--appendonly yes/);
    expect(redis).toMatch(/--maxmemory-policy noeviction/);
    expect([services.redis.healthcheck.test].flat().join(' ')).toMatch(/redis-cli ping/);
  });

  it('migrates once with the compiled CLI before any api or worker starts', () => {
    const migrate = services.migrate;
    expect(migrate.command).toEqual(['node', 'dist/cli.js', 'migrate']);
    expect(migrate.restart).toBe('no');
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    for (const name of ['api', 'worker']) {
      expect(services[name].depends_on).toMatchObject({
        postgres: { condition: 'service_healthy' },
        redis: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
    }
  });

  it('has api and worker services that scale: their role, no fixed host port or name, a restart policy, .env', () => {
    expect(env('api').ROLE).toBe('api');
    expect(env('worker').ROLE).toBe('worker');
    for (const name of ['api', 'worker']) {
      const s = services[name];
      expect({ name, ports: s.ports, container_name: s.container_name }).toEqual({
        name,
        ports: undefined,
        container_name: undefined,
      });
      expect(s.restart).toMatch(/^(always|unless-stopped|on-failure)/);
      expect(s.env_file).toEqual([{ path: '.env', required: false }]);
      expect(env(name).DATABASE_URL).toMatch(/@postgres:5432\//);
      expect(env(name).REDIS_URL).toBe('redis://redis:6379');
    }
    expect([services.api.healthcheck.test].flat().join(' ')).toMatch(
      /fetch\('http:\/\/127\.0\.0\.1:3000\/health\/ready'\)/,
    );
    // A worker has no API: it is probed (and scraped) on its metrics listener.
    expect(services.worker.environment.METRICS_PORT).toBe('9464');
    expect([services.worker.healthcheck.test].flat().join(' ')).toMatch(
      /fetch\('http:\/\/127\.0\.0\.1:9464\/health\/ready'\)/,
    );
    // Nothing else publishes a port inside a range that scaled api containers could need.
    for (const [name, s] of Object.entries(services)) {
      if (name === 'api' || name === 'worker') continue;
      for (const p of s.ports ?? [])
        expect({ name, port: String(p) }).toEqual({ name, port: expect.not.stringMatching(/^\d+-\d+:/) });
    }
  });

  it('reaches every api container through the proxy, by DNS', () => {
    expect(services.proxy.ports).toEqual(['${HTTP_PORT:-3000}:8080']);
    expect(services.proxy.depends_on).toEqual({ api: { condition: 'service_healthy' } });
    const caddyfile = compose.configs!.caddyfile.content as string;
    expect(caddyfile).toMatch(/dynamic a api 3000/);
    expect(caddyfile).toMatch(/:8080/);
  });

  it('builds a multi-stage image on Node 24 that runs as a non-root user, with a HEALTHCHECK without curl', () => {
    const dockerfile = read('Dockerfile').replace(/^#.*$/gm, '');
    const stages = dockerfile.match(/^FROM .+$/gm)!;
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const from of stages) expect(from).toMatch(/^FROM node:24-/);
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(finalStage).toMatch(/^USER (?!root\b|0\b)\S+$/m);
    expect(finalStage).toMatch(/^HEALTHCHECK [\s\S]*node[\s\S]*fetch\(/m);
    expect(dockerfile).not.toMatch(/curl|wget/); // not in the image
    expect(read('Dockerfile')).toMatch(/^CMD \["node", .*"dist\/main\.js"\]$/m);
    expect(finalStage).not.toMatch(/ts-node/);
    expect(finalStage).toMatch(/COPY --from=build \/app\/dist/);
    // The compiled CLI exists in the build: src/cli.ts is compiled with the rest of src/.
    expect(read('src/cli.ts')).toContain('runCommand');
  });

  it('keeps secrets, dependencies and build output out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['node_modules', 'dist', '.git', '.env', '.env.*', 'test']) expect(ignored).toContain(entry);
  });
});
