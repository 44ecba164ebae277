/** `api-keys create --name x --scopes a,b` -> { words: ['api-keys', 'create'], options: { name: 'x', scopes: 'a,b' } }. */
export interface ParsedArgs {
  words: string[];
  options: Record<string, string | true>;
}

export class UsageError extends Error {}

export function parseArgs(argv: string[]): ParsedArgs {
  const words: string[] = [];
  const options: Record<string, string | true> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 2) {
      options[arg.slice(2, eq)] = arg.slice(eq + 1);
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      options[arg.slice(2)] = argv[++i];
    } else {
      options[arg.slice(2)] = true;
    }
  }
  return { words, options };
}

/** The value of `--name`, which must be given with a value. */
export function requireOption(args: ParsedArgs, name: string): string {
  const value = args.options[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} <value> is required`);
  return value.trim();
}

/** Refuses options the command does not know: a typo must not be silently ignored. */
export function allowOnly(args: ParsedArgs, ...names: string[]): void {
  const unknown = Object.keys(args.options).filter((o) => !names.includes(o) && o !== 'verbose');
  if (unknown.length > 0) throw new UsageError(`unknown option ${unknown.map((o) => `--${o}`).join(', ')}`);
}
