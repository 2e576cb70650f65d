/** Global setup of vitest.bundle.config.ts: the handler's modules, bundled once for the run. */
import { rm } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { bundleHandlerModules } from "../../scripts/bundle.js";
import { bundleDir } from "./handler-module.js";

export async function setup(): Promise<() => Promise<void>> {
  const outdir = bundleDir();
  if (!outdir) throw new Error("[bundle-setup] FEEDPUB_BUNDLE_DIR is not set: run with vitest.bundle.config.ts");
  await rm(outdir, { recursive: true, force: true });
  await bundleHandlerModules(fileURLToPath(new URL("../../", import.meta.url)), outdir);
  return () => rm(outdir, { recursive: true, force: true });
}
