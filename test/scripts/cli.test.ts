import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** A script run as npm runs it (tsx, from the repository root): exit code and output. */
function run(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile("npx", ["tsx", script, ...args], { cwd: repoRoot, env: { ...process.env, NO_COLOR: "1" }, timeout: 50_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

const SCRIPTS = ["scripts/build.ts", "scripts/rebuild.ts", "scripts/dev.ts", "scripts/check-template.ts", "bench/run.ts"];

describe("every command", () => {
  it.each(SCRIPTS)("%s: --help prints its usage and exits 0, doing nothing else", async (script) => {
    const result = await run(script, ["--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^usage: npm run \S+/);
    expect(result.stderr).toBe("");
  }, 60_000);

  it.each(SCRIPTS)("%s: an unknown option is one line on stderr and exit 2, no stack trace", async (script) => {
    const result = await run(script, ["--no-such-option"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split("\n")).toEqual([expect.stringContaining("--no-such-option")]);
    expect(result.stdout).toBe("");
  }, 60_000);

  it("build: a content folder that does not exist is named, exit 2", async () => {
    const result = await run("scripts/build.ts", ["--content", "no/such/folder"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^No content folder at no\/such\/folder: /);
  }, 60_000);

  it("rebuild: without --bucket it says so in one line, exit 2", async () => {
    const result = await run("scripts/rebuild.ts", []);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe("missing --bucket <name> (see --help)");
  }, 60_000);
});
