import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Line a child prints its figures on, so progress can go to stderr and stray output is ignored. */
const RESULT_MARK = "@@bench-result ";

export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** Called by a child at its end: hands its figures to the parent. */
export function reportResult(result: unknown): void {
  process.stdout.write(`${RESULT_MARK}${JSON.stringify(result)}\n`);
}

/** Peak resident set size of this process so far, in MB (resourceUsage reports KB). */
export function peakRssMb(): number {
  return Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
}

export interface ChildOptions {
  /** Extra node flags, before the script (e.g. --openssl-legacy-provider, --cpu-prof). */
  nodeFlags?: string[];
  env?: Record<string, string>;
}

/**
 * Runs a script in a fresh Node process and returns what it reported: a bench/*.ts file through
 * tsx, or an already bundled .mjs (path relative to the repository) with plain node.
 */
export function runChild<T>(script: string, args: string[], options: ChildOptions = {}): Promise<T> {
  const bundled = script.endsWith(".mjs");
  const path = bundled ? join(REPO_ROOT, script) : fileURLToPath(new URL(script, import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...(bundled ? [] : ["--import", "tsx"]), path, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (out += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => {
      const line = out.split("\n").find((l) => l.startsWith(RESULT_MARK));
      if (code !== 0 || !line) {
        reject(new Error(`[bench] ${script} ${args.join(" ")} exited with ${signal ?? code}${line ? "" : " and reported nothing"}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_MARK.length)) as T);
    });
  });
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
