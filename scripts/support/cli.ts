import { existsSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** What parseArgs gives for these options: an option with a default is always there. */
type Values<O extends Options> = {
  [K in keyof O]: (O[K] extends { type: "boolean" } ? boolean : string) | (O[K] extends { default: unknown } ? never : undefined);
};

/**
 * A command's options, read the same way by every script: `--help` (or `-h`) prints `usage` and
 * exits 0; an unknown option, a missing value or a stray argument prints one line and exits 2,
 * never a stack trace.
 */
export function parseCli<O extends Options>(usage: string, options: O): Values<O> {
  try {
    const config: ParseArgsConfig = { options: { ...options, help: { type: "boolean", short: "h" } }, strict: true, allowPositionals: false };
    const { help, ...values } = parseArgs(config).values;
    if (help) {
      console.log(usage);
      process.exit(0);
    }
    return values as Values<O>;
  } catch (error) {
    if (!(error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) throw error;
    usageError(`${error.message.split("\n")[0]} (see --help)`);
  }
}

/** Exits 2 naming the folder when --content points at nothing. */
export function requireContentFolder(path: string): void {
  if (!existsSync(path)) usageError(`No content folder at ${path}: give the folder that holds _config.yml and the posts with --content <dir>`);
}

/** One line on stderr and exit 2: the command was called wrongly. */
export function usageError(message: string): never {
  console.error(message);
  process.exit(2);
}
