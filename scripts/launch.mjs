/**
 * Runs a TypeScript command as compiled JavaScript:
 *
 *   node scripts/launch.mjs scripts/build.ts [options]
 *
 * The script and all it imports are bundled into one file under node_modules/.cache/feedpub/scripts/
 * (scripts/support/compile-script.ts) on the first start and whenever a file it was made from has
 * changed since; every other start checks those files' times and imports the bundle. Run through
 * tsx, a command spends most of a second transpiling and resolving modules before it does anything.
 * Plain JavaScript, so that the check itself needs no compiling.
 */
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));
const entry = process.argv[2] ?? "";
if (!/^[\w-]+(\/[\w-]+)*\.ts$/.test(entry)) {
  console.error(`usage: node scripts/launch.mjs <script>.ts [options], the script relative to ${root}; got "${entry}"`);
  process.exit(2);
}
const outfile = join(root, "node_modules/.cache/feedpub/scripts", `${entry.slice(0, -3).replaceAll("/", "-")}.mjs`);
const recordFile = `${outfile}.json`;

/** True when the bundle was made after the last change to every file it was made from, and to the launcher and bundler. */
function isFresh() {
  let record;
  try {
    record = JSON.parse(readFileSync(recordFile, "utf8"));
    statSync(outfile);
  } catch {
    return false;
  }
  if (typeof record?.started !== "number" || !Array.isArray(record.inputs) || record.entry !== entry) return false;
  const changed = (file) => statSync(join(root, file)).mtimeMs >= record.started;
  try {
    if ([...record.inputs, "scripts/launch.mjs", "scripts/support/compile-script.ts", "scripts/bundle.ts"].some(changed)) return false;
  } catch {
    return false; // gone: the script no longer imports it, or was moved
  }
  // npm gives every file it installs the same old time, so a package that changed shows only in
  // the lock file npm writes into node_modules on every install.
  try {
    return !changed("node_modules/.package-lock.json");
  } catch {
    return true; // installed by a client that writes none
  }
}

if (!isFresh()) {
  try {
    // The bundler is TypeScript too: esbuild compiles it first, its packages left where they are.
    const { build } = await import("esbuild");
    const { outputFiles } = await build({
      absWorkingDir: root,
      entryPoints: ["scripts/support/compile-script.ts"],
      outfile: join(dirname(outfile), "compile-script.mjs"),
      write: false,
      bundle: true,
      packages: "external",
      platform: "node",
      format: "esm",
      logLevel: "warning",
    });
    const { path, contents } = outputFiles[0];
    // Renamed into place, as the bundles are: another start may be importing it.
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.${process.pid}.tmp`, contents);
    renameSync(`${path}.${process.pid}.tmp`, path);
    const { compileScript } = await import(pathToFileURL(path).href);
    await compileScript(root, entry, outfile, recordFile);
  } catch (error) {
    // esbuild has printed each error with its file and line already.
    console.error(`[launch] could not compile ${entry}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

// The command sees the arguments it would have seen run on its own.
process.argv.splice(1, 2, outfile);
await import(pathToFileURL(outfile).href);
