import { INestApplicationContext, LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { AuditService } from '../core/audit/audit.service';
import { API_KEY_SCOPES, ApiKeyScope } from '../core/auth/api-key.entity';
import { ApiKeysService } from '../core/auth/api-keys.service';
import { Principal } from '../core/auth/auth.decorators';
import { ApiKeyResponseDto } from '../core/auth/dto/api-key-response.dto';
import { AppConfig } from '../core/config/app-config';
import { ensureDatabase, runMigrations } from '../core/database/prepare-database';
import { MAX_REPLAY } from '../events/dto/replay-events.dto';
import { EventsService } from '../events/events.service';
import { allowOnly, ParsedArgs, requireOption, UsageError } from './argv';
import { maskConfig } from './mask-config';

/** Who the audit log says made a change from the command line. */
const CLI_PRINCIPAL: Principal = { id: null, name: 'cli', scopes: ['admin'] };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EVENT_ID = /^[1-9][0-9]{0,18}$/;

export const USAGE = `Usage: npm run cli -- <command>   (in the image: node dist/cli.js <command>)

  migrate                                   create the database if needed and apply pending migrations
  config                                    print the configuration, secrets masked
  api-keys create --name <name> --scopes <scope,scope>
                                            create an API key and print it (shown this once only)
                                            scopes: ${API_KEY_SCOPES.join(', ')}
  api-keys list                             list the API keys (revoked ones too), never the keys themselves
  api-keys revoke <id>                      revoke an API key (every process drops it at once)
  events replay --state failed              process the dead events again (at most ${MAX_REPLAY} per call)
  events replay --ids <id,id,...>           process these events again, whatever their state

Options: --verbose (log at LOG_LEVEL, to stderr). Output is JSON on stdout; exit code 1 on failure, 2 on bad usage.
The configuration comes from the environment and .env, as for the service.`;

export type Output = (value: unknown) => void;

/** Runs one command; what it prints goes to `out`. Throws UsageError for a bad command line. */
export async function runCommand(
  args: ParsedArgs,
  config: AppConfig,
  logger: LoggerService,
  out: Output,
): Promise<void> {
  const [group, action, ...rest] = args.words;
  switch (`${group ?? ''} ${action ?? ''}`.trim()) {
    case 'migrate': {
      allowOnly(args);
      await ensureDatabase(config.database.url);
      out({ applied: await runMigrations(config.database.url) });
      return;
    }
    case 'config':
      allowOnly(args);
      // As the service reads it (the commands' own run as ROLE=api, quieter).
      out(maskConfig(AppConfig.fromEnvironment()));
      return;
    case 'api-keys create': {
      allowOnly(args, 'name', 'scopes');
      const name = requireOption(args, 'name');
      if (name.length > 200) throw new UsageError('--name is at most 200 characters');
      const scopes = requireOption(args, 'scopes')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      const unknown = scopes.filter((s) => !(API_KEY_SCOPES as readonly string[]).includes(s));
      if (scopes.length === 0 || unknown.length > 0)
        throw new UsageError(`--scopes: unknown scope ${unknown.join(', ')}; use ${API_KEY_SCOPES.join(', ')}`);
      return withApp(config, logger, async (app) => {
        const { entity, key } = await app.get(ApiKeysService).create(name, scopes as ApiKeyScope[]);
        await app.get(AuditService).record(CLI_PRINCIPAL, {
          action: 'api-keys.create',
          method: 'CLI',
          path: 'api-keys create',
          target: entity.id,
          status: 201,
          details: { name, scopes },
        });
        out({ ...ApiKeyResponseDto.from(entity), key });
      });
    }
    case 'api-keys list':
      allowOnly(args);
      return withApp(config, logger, async (app) => {
        const rows = await app.get(ApiKeysService).list();
        out({ data: rows.map(ApiKeyResponseDto.from), total: rows.length });
      });
    case 'api-keys revoke': {
      allowOnly(args);
      const id = rest[0];
      if (!id || rest.length > 1 || !UUID.test(id))
        throw new UsageError('api-keys revoke <id>: the id (a UUID) of the key, as api-keys list shows it');
      return withApp(config, logger, async (app) => {
        const row = await app.get(ApiKeysService).revoke(id);
        await app.get(AuditService).record(CLI_PRINCIPAL, {
          action: 'api-keys.revoke',
          method: 'CLI',
          path: 'api-keys revoke',
          target: id,
          status: 200,
        });
        out(ApiKeyResponseDto.from(row));
      });
    }
    case 'events replay': {
      allowOnly(args, 'state', 'ids');
      const target = replayTarget(args);
      return withApp(config, logger, async (app) => {
        // The service behind POST /api/v1/events/replay: rows pending before it answers, queued if Redis is up.
        const { ids, ...result } = await app.get(EventsService, { strict: false }).replay(target);
        await app.get(AuditService).record(CLI_PRINCIPAL, {
          action: 'events.replay',
          method: 'CLI',
          path: 'events replay',
          target: 'ids' in target ? null : 'state=failed',
          status: 202,
          details: {
            ...result,
            requested: 'ids' in target ? target.ids.length : undefined,
            firstId: ids[0],
            lastId: ids[ids.length - 1],
          },
        });
        out(result);
        if (!('ids' in target) && result.replayed === MAX_REPLAY)
          logger.warn(`${MAX_REPLAY} replayed: there may be more failed events, run it again`, 'CLI');
      });
    }
    default:
      throw new UsageError(group ? `unknown command: ${args.words.join(' ')}` : 'no command given');
  }
}

function replayTarget(args: ParsedArgs): { ids: string[] } | { state: 'failed' } {
  const { state, ids } = args.options;
  if ((state === undefined) === (ids === undefined))
    throw new UsageError('events replay takes either --state failed or --ids <id,id,...>');
  if (state !== undefined) {
    if (state !== 'failed') throw new UsageError('--state must be failed');
    return { state: 'failed' };
  }
  const list =
    typeof ids === 'string'
      ? ids
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : [];
  if (list.length === 0 || list.length > MAX_REPLAY || !list.every((id) => EVENT_ID.test(id))) {
    throw new UsageError(`--ids: 1 to ${MAX_REPLAY} event ids (positive integers), separated by commas`);
  }
  return { ids: [...new Set(list)] };
}

/**
 * The service's own modules in an application context (no HTTP server, no workers: ROLE=api), so that a command
 * goes through the same code as the API: hashing, cache invalidation across processes, the replay's queueing.
 */
async function withApp(
  config: AppConfig,
  logger: LoggerService,
  run: (app: INestApplicationContext) => Promise<void>,
): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), { logger, abortOnError: false });
  try {
    await run(app);
  } finally {
    await app.close();
  }
}
