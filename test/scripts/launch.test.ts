import { cp, mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { runNode } from "../support/run-node.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/**
 * A repository of its own, in a folder whose name has a space and non-ASCII letters: the launcher,
 * the bundler it uses, the installed packages, and a two-file command that prints its arguments.
 */
async function scratchRepo(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "feedpub launch é-"));
  dirs.push(root);
  await mkdir(path.join(root, "scripts", "support"), { recursive: true });
  for (const file of ["scripts/launch.mjs", "scripts/bundle.ts", "scripts/support/compile-script.ts"]) {
    await cp(path.join(repoRoot, file), path.join(root, file));
  }
  // The two packages the launcher loads, installed as links: its cache folder is then this repository's own.
  await mkdir(path.join(root, "node_modules"));
  for (const name of ["esbuild", "tsx"]) await symlink(path.join(repoRoot, "node_modules", name), path.join(root, "node_modules", name));
  await writeFile(path.join(root, "scripts", "hello.ts"), 'import { word } from "./word.js";\nconsole.log(`${word} ${process.argv.slice(2).join(" ")} ${process.argv[1]?.endsWith(".mjs")}`);\n');
  await writeFile(path.join(root, "scripts", "word.ts"), 'export const word: string = "one";\n');
  return root;
}

describe("scripts/launch.mjs", () => {
  it("runs a command compiled, with its own arguments, and compiles it again once a file it imports changes", async () => {
    const root = await scratchRepo();
    const launch = (args: string[]) => runNode([path.join(root, "scripts/launch.mjs"), "scripts/hello.ts", ...args], { cwd: root, env: {} });
    const bundle = path.join(root, "node_modules/.cache/feedpub/scripts/scripts-hello.mjs");

    const first = await launch(["--a", "b"]);
    // Only the Lambda bundle's notes that its rules matched nothing: this command loads no package.
    expect(first.stderr.split("\n").filter((line) => line && !line.startsWith("[bundle] "))).toEqual([]);
    expect(first.stdout).toBe("one --a b true\n");

    // Unchanged: the bundle is used as it is (made older, it would show if it were rewritten).
    const past = new Date(Date.now() - 60_000);
    await utimes(bundle, past, past);
    expect((await launch([])).stdout).toBe("one  true\n");
    expect(Math.round((await stat(bundle)).mtimeMs)).toBe(past.getTime());

    await writeFile(path.join(root, "scripts", "word.ts"), 'export const word: string = "two";\n');
    expect((await launch([])).stdout).toBe("two  true\n");
    const compiled = async () => JSON.parse(await readFile(`${bundle}.json`, "utf8")).started as number;
    const before = await compiled();
    // npm dates the files it installs in 1985, so only its lock file in node_modules shows an install.
    await writeFile(path.join(root, "node_modules", ".package-lock.json"), "{}\n");
    await launch([]);
    expect(await compiled()).toBeGreaterThan(before);
    expect(JSON.parse(await readFile(`${bundle}.json`, "utf8")).inputs).toEqual(["scripts/word.ts", "scripts/hello.ts"]);
  }, 60_000);

  it("refuses a script outside the repository, exit 2", async () => {
    const result = await runNode([path.join(repoRoot, "scripts/launch.mjs"), "../elsewhere.ts"], { cwd: repoRoot, env: {} });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^usage: node scripts\/launch\.mjs/);
  });

  it("exits 1 naming the script when it does not compile", async () => {
    const root = await scratchRepo();
    await writeFile(path.join(root, "scripts", "word.ts"), "export const word: string = ;\n");
    const result = await runNode([path.join(root, "scripts/launch.mjs"), "scripts/hello.ts"], { cwd: root, env: {} });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\[launch\] could not compile scripts\/hello\.ts/);
    expect(result.stdout).toBe("");
  }, 60_000);
});
