import { StorageError } from "../errors.js";
import type { ListOptions } from "./types.js";

type Op = StorageError["op"];

/** Why `key` cannot be a storage key, or null when it can. */
function keyProblem(key: string, allowTrailingSlash: boolean): string | null {
  if (key.includes("\0")) return "it should not contain NUL";
  if (key.includes("\\")) return "it should not contain backslashes";
  if (key.startsWith("/")) return "it should not be absolute";
  const segments = key.split("/");
  // A prefix such as "posts/" ends in an empty segment by design.
  if (allowTrailingSlash && segments.length > 1 && segments.at(-1) === "") segments.pop();
  if (segments.includes("..")) return "it should not contain .. segments";
  if (segments.includes(".")) return "it should not contain . segments";
  if (segments.includes("")) return "it should not contain empty segments";
  return null;
}

function invalid(op: Op, key: string, problem: string): StorageError {
  return new StorageError(key, op, false, { cause: new Error(`Invalid key: ${JSON.stringify(key)}. ${problem}`) });
}

/** Throws a StorageError naming `key` unless it is a safe, `/`-separated relative key. */
export function assertValidKey(op: Op, key: string): void {
  const problem = key === "" ? "it should not be empty" : keyProblem(key, false);
  if (problem) throw invalid(op, key, problem);
}

/** Like assertValidKey, but "" (everything) and a trailing "/" are allowed. */
export function assertValidPrefix(prefix: string): void {
  const problem = prefix === "" ? null : keyProblem(prefix, true);
  if (problem) throw invalid("list", prefix, problem);
}

/** The part of a sorted listing that ListOptions asks for. */
export function windowOf(sorted: string[], options: ListOptions = {}): string[] {
  const { after, limit = Infinity } = options;
  const from = after === undefined ? 0 : sorted.findIndex((key) => compareKeys(key, after) > 0);
  return from === -1 ? [] : sorted.slice(from, from + limit);
}

/**
 * Orders keys by Unicode code point, which is the UTF-8 byte order S3 lists in.
 * Plain `<` compares UTF-16 code units, which puts astral characters (emoji) before
 * U+E000–U+FFFF (e.g. the fullwidth "（" common in Chinese titles); this corrects that.
 */
export function compareKeys(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (astral code points) belong after U+E000–U+FFFF.
      x = x <= 0xdfff ? x + 0x2000 : x - 0x800;
      y = y <= 0xdfff ? y + 0x2000 : y - 0x800;
    }
    return x - y;
  }
  return a.length - b.length;
}
