import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * A hash of the code a command runs, given its own `import.meta.url`, for the render cache: items
 * rendered by other code are never reused. Run compiled (scripts/launch.mjs), the command is one
 * file holding lib/ and the packages it uses, and that file is hashed. Run from source (tsx), it
 * is every file under lib/ and the lock file of the installed packages.
 */
export async function codeIdentity(moduleUrl: string): Promise<string> {
  const path = fileURLToPath(moduleUrl);
  const hash = createHash("sha256");
  if (path.endsWith(".mjs")) return hash.update(await readFile(path)).digest("hex");
  const root = fileURLToPath(new URL("../", moduleUrl));
  const lib = join(root, "lib");
  const files = (await readdir(lib, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
    .sort();
  for (const file of [...files, join(root, "package-lock.json")]) {
    hash.update(`${file.slice(root.length)}\0`).update(await readFile(file)).update("\0");
  }
  return hash.digest("hex");
}
