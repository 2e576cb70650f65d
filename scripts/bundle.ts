/**
 * Bundles the Lambda handler into one minified ESM file, dist/publish.mjs, that
 * serverless.yml packages as-is (handler `dist/publish.handler`).
 *
 *   npm run bundle
 */
import { readFile, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import { build, type BuildOptions, type Plugin } from "esbuild";

export const ENTRY = "functions/publish.ts";
export const OUTFILE = "dist/publish.mjs";

// Bundled CommonJS packages (js-yaml, sanitize-html's deps) call require() for Node
// built-ins; an ESM bundle has no `require`, so define one from import.meta.url.
const REQUIRE_SHIM =
  'import { createRequire as __feedpubCreateRequire } from "node:module";' +
  "const require = __feedpubCreateRequire(import.meta.url);";

/**
 * A package that a dependency loads but, the way feedpub calls that dependency, never calls.
 * The bundle gets a stub instead: any call logs and throws an error naming it, so a dependency
 * update or an option that starts to need it shows at once (sanitize-html catches errors from
 * postcss and drops the attribute, hence the log as well as the throw).
 */
interface Stub {
  module: string;
  /** The package whose require() of `module` is stubbed; the same module required elsewhere is not. */
  importer: string;
  why: string;
}

/**
 * A package of which a dependency uses only some exports: the bundle gets a module that
 * re-exports those alone, from the package's ES build, so the rest is tree-shaken away.
 * `uses` finds, in the importer's own source, every export it reads; the build fails when one is
 * not in `keep`, so a dependency update that reaches for more cannot ship without a look.
 */
interface Narrowed {
  module: string;
  importer: string;
  /** The importer's file, relative to its package folder, that `uses` reads. */
  importerFile: string;
  uses: RegExp;
  keep: readonly string[];
  /** An ES module exporting `keep`, its imports resolved beside the file `module` resolves to. */
  source: string;
  why: string;
}

export const STUBS: readonly Stub[] = [
  {
    module: "postcss",
    importer: "sanitize-html",
    why: "sanitize-html parses style attributes with it, and lib/feeds/render-body.ts allows none",
  },
  {
    module: "dayjs",
    importer: "launder",
    why: "launder formats dates with it, and sanitize-html calls only launder's naughtyHref",
  },
];

export const NARROWED: readonly Narrowed[] = [
  {
    module: "htmlparser2",
    importer: "sanitize-html",
    importerFile: "index.js",
    uses: /\bhtmlparser\.(\w+)/g,
    keep: ["Parser"],
    // The file itself: the package's index re-exports its DOM modules, whose generated tables are
    // top-level expressions that tree-shaking has to keep.
    source: 'export { Parser } from "./Parser.js";',
    why: "its DOM builder, DOM utilities and serializer (with the serializer's own copy of entities) are never called",
  },
];

const NAMESPACE = "feedpub-left-out";

/** CommonJS, callable and with every property a function, as the importers use these packages. */
function stubSource({ module, importer, why }: Stub): string {
  const reason = `${module} was left out of the Lambda bundle (scripts/bundle.ts): ${why}`;
  return `const fail = (what) => {
  const error = new Error(what + ": " + ${JSON.stringify(reason)});
  console.error(error.message);
  throw error;
};
module.exports = new Proxy(function () {}, {
  get: (target, name) => typeof name === "string" && name !== "__esModule" ? () => fail(${JSON.stringify(`${importer} called ${module}.`)} + name + "()") : undefined,
  apply: () => fail(${JSON.stringify(`${importer} called ${module}()`)}),
  construct: () => fail(${JSON.stringify(`${importer} called new ${module}()`)}),
});
`;
}

const inPackage = (file: string, name: string) => file.includes(`/node_modules/${name}/`);
const packageRoot = (file: string, name: string) => file.slice(0, file.lastIndexOf(`/node_modules/${name}/`) + `/node_modules/${name}`.length);

/** Leaves out of the bundle what STUBS and NARROWED name; warns about a rule that matched nothing. */
export function leaveOutUnused(stubs: readonly Stub[] = STUBS, narrowed: readonly Narrowed[] = NARROWED): Plugin {
  const rules = [...stubs.map((rule) => ({ rule, narrowed: false })), ...narrowed.map((rule) => ({ rule, narrowed: true }))];
  const names = [...new Set(rules.map(({ rule }) => rule.module))].map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return {
    name: "feedpub-leave-out-unused",
    setup(build) {
      const used = new Set<string>();
      build.onResolve({ filter: new RegExp(`^(${names.join("|")})$`) }, async (args) => {
        if ((args.pluginData as { resolving?: boolean } | undefined)?.resolving) return undefined;
        const match = rules.find(({ rule }) => rule.module === args.path && inPackage(args.importer, rule.importer));
        if (!match) return undefined;
        const { rule } = match;
        const id = `${rule.importer}>${rule.module}`;
        used.add(id);
        if (!match.narrowed) return { path: id, namespace: NAMESPACE, pluginData: { contents: stubSource(rule) } };
        const { importerFile, uses, keep } = rule as Narrowed;
        const source = await readFile(`${packageRoot(args.importer, rule.importer)}/${importerFile}`, "utf8");
        const read = [...new Set([...source.matchAll(uses)].map((m) => m[1]!))];
        const extra = read.filter((name) => !keep.includes(name));
        if (read.length === 0 || extra.length > 0) {
          return {
            errors: [{ text: `${rule.importer} now uses ${extra.length > 0 ? extra.map((n) => `${rule.module}.${n}`).join(", ") : `${rule.module} in a way scripts/bundle.ts does not recognise`}; it is left out because ${rule.why}: review NARROWED in scripts/bundle.ts` }],
          };
        }
        // Resolved as the importer would resolve it, so it is the copy and the build (ES) it would load.
        const entry = await build.resolve(rule.module, { kind: "import-statement", importer: args.importer, resolveDir: args.resolveDir, pluginData: { resolving: true } });
        if (entry.errors.length > 0) return { errors: entry.errors };
        return { path: id, namespace: NAMESPACE, pluginData: { contents: (rule as Narrowed).source, resolveDir: dirname(entry.path) } };
      });
      build.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const { contents, resolveDir } = args.pluginData as { contents: string; resolveDir?: string };
        return { contents, loader: "js", ...(resolveDir ? { resolveDir } : {}) };
      });
      build.onEnd(() => {
        for (const { rule } of rules) {
          if (!used.has(`${rule.importer}>${rule.module}`)) console.warn(`[bundle] ${rule.importer} no longer loads ${rule.module}: its rule in scripts/bundle.ts can go`);
        }
      });
    },
  };
}

export interface BundleResult {
  outfile: string;
  bytes: number;
}

/** How the handler is bundled; the tests' build of its modules (bundleHandlerModules) uses the same. */
export const BUNDLE_OPTIONS = {
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
} as const satisfies BuildOptions;

export async function bundleHandler(entry = ENTRY, outfile = OUTFILE): Promise<BundleResult> {
  await build({ ...BUNDLE_OPTIONS, entryPoints: [entry], outfile, plugins: [leaveOutUnused()] });
  const { size } = await stat(outfile);
  return { outfile, bytes: size };
}

/**
 * The handler's own modules (those of lib/ and functions/ the bundle is made from), bundled as
 * the handler is, one output per module, `lib/x.ts` as `<outdir>/lib/x.mjs`, with the code they
 * share in common chunks: one copy of each module, as in the single-file bundle, so a test can
 * import any of them and the classes it sees are the bundled code's own. Returns the modules,
 * relative to `root`. vitest.bundle.config.ts runs the handler's tests on these.
 */
export async function bundleHandlerModules(root: string, outdir: string): Promise<string[]> {
  const { metafile } = await build({ ...BUNDLE_OPTIONS, absWorkingDir: root, entryPoints: [ENTRY], write: false, metafile: true, logLevel: "silent", plugins: [leaveOutUnused()] });
  const modules = Object.keys(metafile.inputs).filter((file) => /^(lib|functions)\/.*\.ts$/.test(file));
  await build({
    ...BUNDLE_OPTIONS,
    absWorkingDir: root,
    entryPoints: modules,
    outdir,
    outbase: ".",
    outExtension: { ".js": ".mjs" },
    splitting: true,
    plugins: [leaveOutUnused()],
  });
  return modules;
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
