/**
 * The handler's test suites once more, on the handler as scripts/bundle.ts bundles it for Lambda:
 * a package the bundle leaves out or narrows, a package's ES build chosen over its CommonJS one,
 * minification or the require shim could break the function while every test passes on the
 * TypeScript sources. test/support/bundle-setup.ts builds the handler's modules once per run
 * (bundleHandlerModules: the production options, one output per module), and any import of one of
 * them, from a test or from a source module, loads the bundled output instead. Modules the handler
 * does not ship (test helpers, scripts/support/) stay sources.
 */
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig, type Plugin } from "vitest/config";
import base from "./vitest.config.js";

const ROOT = fileURLToPath(new URL(".", import.meta.url));
// A folder per run, so two runs never share a build; bundle-setup.ts builds it and removes it.
const OUTDIR = join(tmpdir(), `feedpub-bundle-${process.pid}`);
process.env.FEEDPUB_BUNDLE_DIR = OUTDIR;

/** Resolves lib/…/x.ts and functions/x.ts to their bundled x.mjs, where the handler ships them. */
function bundledModules(): Plugin {
  return {
    name: "feedpub-bundled-modules",
    enforce: "pre",
    async resolveId(source, importer, options) {
      if (!importer || importer.startsWith(OUTDIR)) return null;
      const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
      if (!resolved || resolved.external) return null;
      const file = relative(ROOT, resolved.id.split("?")[0]!).split(sep).join("/");
      if (!/^(lib|functions)\/.*\.ts$/.test(file)) return null;
      const bundled = join(OUTDIR, file.replace(/\.ts$/, ".mjs"));
      return existsSync(bundled) ? bundled : null;
    },
  };
}

// The base config's settings, its file lists replaced (mergeConfig would add to them).
export default defineConfig({
  ...base,
  plugins: [bundledModules()],
  test: {
    ...base.test,
    include: ["test/functions/**/*.test.ts", "test/e2e/**/*.test.ts"],
    exclude: [
      ...configDefaults.exclude,
      // Runs the single-file bundle itself in a fresh node, and compares it with the sources.
      "test/e2e/bundle.test.ts",
      // The CloudFront functions and the feed pages in a browser: no handler code runs there.
      "test/e2e/browser.test.ts",
      // Mocks a module inside the handler (lib/feeds/feed-document.ts) to simulate a bug; in the
      // bundle that module is part of a chunk, where no mock reaches.
      "test/functions/bug-isolation.test.ts",
    ],
    globalSetup: ["test/support/bundle-setup.ts"],
    // Native node loads the bundled modules, as Lambda does: vite does not rewrite them.
    server: { deps: { external: [new RegExp(`^${OUTDIR.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/`)] } },
  },
});
