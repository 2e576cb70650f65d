import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** Where vitest.bundle.config.ts has the handler's modules bundled; undefined on the sources. */
export function bundleDir(): string | undefined {
  return process.env.FEEDPUB_BUNDLE_DIR || undefined;
}

/**
 * How a fresh node loads the Lambda handler module (functions/publish.ts) in this run: bundled
 * under vitest.bundle.config.ts, else the source through tsx.
 */
export function handlerModule(): { url: string; nodeArgs: string[] } {
  const dir = bundleDir();
  if (dir) return { url: pathToFileURL(join(dir, "functions/publish.mjs")).href, nodeArgs: [] };
  return { url: pathToFileURL(fileURLToPath(new URL("../../functions/publish.ts", import.meta.url))).href, nodeArgs: ["--import", "tsx"] };
}
