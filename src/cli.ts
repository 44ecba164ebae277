import 'dotenv/config';
import 'reflect-metadata';
import { AppConfig } from './core/config/app-config';
import { useBootLogger } from './core/logging/logging';
import { parseArgs, UsageError } from './cli/argv';
import { runCommand, USAGE } from './cli/commands';
import { errorMessage } from './core/error-message';

/**
 * The operators' command line: `npm run cli -- <command>` from the sources, `node dist/cli.js <command>` in the
 * image. JSON on stdout, logs on stderr (warnings only unless --verbose).
 */
async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.words.length === 0 || args.words[0] === 'help' || args.options.help) {
    process.stdout.write(`${USAGE}\n`);
    return args.words.length === 0 && !args.options.help ? 2 : 0;
  }
  let config: AppConfig;
  try {
    // Never the workers: a command must not start processing jobs. Quiet unless asked.
    config = AppConfig.fromEnvironment({ ROLE: 'api', ...(args.options.verbose ? {} : { LOG_LEVEL: 'warn' }) });
  } catch (err) {
    process.stderr.write(`${errorMessage(err)}\n`);
    return 1;
  }
  const logger = useBootLogger(config, process.stderr);
  try {
    await runCommand(args, config, logger, (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`));
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`${errorMessage(err)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(1);
  },
);
