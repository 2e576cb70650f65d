/**
 * Compiles one command for scripts/launch.mjs: the script and everything it imports, packages
 * included, in one ES module, so a start parses one file instead of transpiling a few hundred.
 * It is bundled as the Lambda handler is (scripts/bundle.ts), leaving out the same packages, so the
 * local build loads what the function loads.
 */
import { randomBytes } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import { build } from "esbuild";
import { BUNDLE_OPTIONS, leaveOutUnused } from "../bundle.js";

/** What the launcher keeps beside a bundle to tell whether it is still current. */
export interface CompileRecord {
  entry: string;
  /** When compiling started (ms since the epoch): a file changed since may not be in the bundle. */
  started: number;
  /** Every file the bundle was made from, relative to the repository. */
  inputs: string[];
}

/**
 * Bundles `entry` (relative to `root`) into `outfile`, then writes `recordFile`. Each file is
 * replaced whole (renamed into place), so a command starting meanwhile imports the old bundle or
 * the new, never a part of one.
 */
export async function compileScript(root: string, entry: string, outfile: string, recordFile: string): Promise<CompileRecord> {
  const started = Date.now();
  const result = await build({
    ...BUNDLE_OPTIONS,
    // Names kept, so a stack trace of the local build reads without its source map.
    minify: false,
    minifyWhitespace: true,
    minifySyntax: true,
    absWorkingDir: root,
    entryPoints: [entry],
    outfile,
    write: false,
    metafile: true,
    plugins: [leaveOutUnused()],
  });
  // The left-out modules' inputs live in the plugin's namespace ("feedpub-left-out:…"), not on disk.
  const record: CompileRecord = { entry, started, inputs: Object.keys(result.metafile.inputs).filter((input) => !input.includes(":")) };
  await mkdir(dirname(outfile), { recursive: true });
  // The map before the code that names it, and the record last: it says the rest is in place.
  const isMap = (path: string) => path.endsWith(".map");
  for (const file of [...result.outputFiles.filter((f) => isMap(f.path)), ...result.outputFiles.filter((f) => !isMap(f.path))]) {
    await replace(file.path, file.contents);
  }
  await replace(recordFile, `${JSON.stringify(record)}\n`);
  return record;
}

async function replace(path: string, contents: Uint8Array | string): Promise<void> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  await writeFile(temp, contents);
  await rename(temp, path);
}
