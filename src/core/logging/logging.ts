import { INestApplicationContext, Logger as NestLogger, LoggerService, RequestMethod } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger, Params, PinoLogger } from 'nestjs-pino';
import pino from 'pino';
import { prettyFactory } from 'pino-pretty';
import { AppConfig } from '../config/app-config';
import { redactLogFields, redactUrl } from './redact';

const PINO_LEVEL = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
} as const;

/** Probes and scrapes come every few seconds: their completion lines would drown the rest. */
const QUIET_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/**
 * The root logger of the process: JSON lines on stdout (LOG_FORMAT=json) or pino-pretty (LOG_FORMAT=pretty).
 * Every field of every line passes through redactLogFields, so a secret-looking key is redacted at any depth
 * (pino's own `redact` takes fixed paths and cannot). Writes go through process.stdout: synchronous for
 * files, pipes and terminals on Linux, so a crash loses no line.
 */
export function createRootLogger(config: AppConfig, output: NodeJS.WriteStream = process.stdout): pino.Logger {
  const options: pino.LoggerOptions = {
    level: PINO_LEVEL[config.logLevel],
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      log: (fields) => redactLogFields(fields),
      bindings: (bindings) => redactLogFields(bindings),
    },
  };
  return pino(options, config.logFormat === 'pretty' ? pretty(output) : output);
}

/** pino-pretty's formatting, written synchronously in this thread (its stream form would end stdout with itself). */
function pretty(output: NodeJS.WriteStream): pino.DestinationStream {
  const prettify = prettyFactory({ colorize: output.isTTY === true, singleLine: true, ignore: 'pid,hostname' });
  return { write: (line: string) => void output.write(prettify(line)) };
}

/**
 * nestjs-pino: every line logged while a request is handled (through Nest's Logger, anywhere) carries its
 * `requestId`, Fastify's request id that the answer returns as X-Request-Id; one `request completed` line per
 * request, with status and duration.
 *
 * Not for the SocketLabs receiver: it answers from an onRequest hook for speed, and a child logger plus a
 * completion line per webhook would cost more than the rest of its work (it logs its own failures with the id).
 */
export function loggingParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      logger: createRootLogger(config),
      // @fastify/middie copies Fastify's request.id onto the raw request before Nest's middleware runs.
      genReqId: (req: IncomingMessage) => (req as IncomingMessage & { id: string }).id,
      quietReqLogger: true,
      customAttributeKeys: { reqId: 'requestId' },
      autoLogging: { ignore: (req: IncomingMessage) => QUIET_PATHS.test(req.url ?? '') },
      // A 5xx gets the same completion line as any answer, without the stack of pino-http's stand-in error
      // ("failed with status code 500"): the exception filter has logged the real one with the same requestId.
      customErrorMessage: () => 'request completed',
      customErrorObject: (_req: IncomingMessage, _res: ServerResponse, err: Error, val: Record<string, unknown>) =>
        err.message.startsWith('failed with status code') ? { res: val.res, responseTime: val.responseTime } : val,
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, err?: Error) =>
        err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
      serializers: {
        // Not the headers: they carry the API key.
        req: (req: { method: string; url: string; remoteAddress?: string }) => ({
          method: req.method,
          url: redactUrl(req.url),
          remoteAddress: req.remoteAddress,
        }),
        // The raw response's status: the standard serializer gives null until headers are flushed (Fastify's inject).
        res: (res: { statusCode: number | null; raw?: ServerResponse }) => ({
          statusCode: res.raw?.statusCode ?? res.statusCode,
        }),
      },
    },
    // Every route: nestjs-pino's default is `*`, which Nest 11 converts with a warning at every boot.
    forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
    exclude: [
      { path: 'webhooks/socketlabs', method: RequestMethod.ALL },
      { path: 'webhooks/socketlabs/{*rest}', method: RequestMethod.ALL },
    ],
  };
}

/**
 * Lines logged before the application exists (configuration, migrations at boot) go to the same logger. The
 * first PinoLogger of a process (this one, when called first) is also where nestjs-pino sends every line
 * logged outside a request. The CLI logs to stderr, keeping stdout for its output.
 */
export function useBootLogger(config: AppConfig, output: NodeJS.WriteStream = process.stdout): LoggerService {
  const params = { pinoHttp: { logger: createRootLogger(config, output) } };
  const logger = new Logger(new PinoLogger(params), params);
  NestLogger.overrideLogger(logger);
  return logger;
}

/** The application's logger for Nest and every `new Logger(context)`; what was buffered during boot is written. */
export function useAppLogger(app: INestApplicationContext): void {
  app.useLogger(app.get(Logger));
  app.flushLogs();
}
