/**
 * Bundles the Lambda handler into one minified ESM file, dist/publish.mjs, that
 * serverless.yml packages as-is (handler `dist/publish.handler`).
 *
 *   npm run bundle
 */
import { stat } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

export const ENTRY = "functions/publish.ts";
export const OUTFILE = "dist/publish.mjs";

// Bundled CommonJS packages (js-yaml, sanitize-html's deps) call require() for Node
// built-ins; an ESM bundle has no `require`, so define one from import.meta.url.
const REQUIRE_SHIM =
  'import { createRequire as __feedpubCreateRequire } from "node:module";' +
  "const require = __feedpubCreateRequire(import.meta.url);";

export interface BundleResult {
  outfile: string;
  bytes: number;
}

export async function bundleHandler(entry = ENTRY, outfile = OUTFILE): Promise<BundleResult> {
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    sourcemap: true,
    // Stack traces only need names and positions; the sources would triple the zip.
    sourcesContent: false,
    platform: "node",
    target: "node22",
    format: "esm",
    // Prefer packages' ESM builds so the AWS SDK v3 tree-shakes; the runtime's own SDK copy is not used.
    mainFields: ["module", "main"],
    banner: { js: REQUIRE_SHIM },
    legalComments: "none",
    logLevel: "warning",
  });
  const { size } = await stat(outfile);
  return { outfile, bytes: size };
}

async function main(): Promise<void> {
  const { outfile, bytes } = await bundleHandler();
  console.log(`[bundle] ${outfile}: ${bytes} bytes`);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(`[bundle] ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  });
}
