// Local build: `npm start` builds content/ into public/; `npm run build -- --content <dir> --out <dir>`.
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { ConfigError } from "../lib/errors.js";
import { buildAll } from "../lib/publish/build-all.js";
import { createFsStorage } from "../lib/storage/fs.js";
import { formatSummary } from "./summary.js";
import { codeIdentity } from "./support/code-identity.js";
import { parseCli, requireContentFolder, usageError } from "./support/cli.js";

const DEFAULT_CACHE = "node_modules/.cache/feedpub";

const values = parseCli(
  `usage: npm run build -- [--content <dir>] [--out <dir>] [--cache <dir> | --no-cache]

Builds every feed from the posts in --content (default content/) into <out>/feeds/ (default public/).
Items and feeds rendered by earlier builds are kept in --cache (default ${DEFAULT_CACHE}/):
a post whose file and settings are unchanged is not read again (unless a feed shows it) nor
rendered again, a feed whose posts are all unchanged is copied, and an output file unchanged
since it was last read is not read again; the feeds are the same bytes either way. The folder can
be deleted at any time.
--no-cache builds without reading or writing it.
Exits 1 when a post was rejected or a file did not parse back (every other post is still
published), 2 when the configuration is invalid.`,
  {
    content: { type: "string", default: "content" },
    out: { type: "string", default: "public" },
    cache: { type: "string" },
    "no-cache": { type: "boolean", default: false },
  },
);

/** A short name for a folder, the same whichever way its path is written. */
function folderId(dir: string): string {
  return createHash("sha256").update(resolve(dir)).digest("hex").slice(0, 16);
}

requireContentFolder(values.content);
if (values["no-cache"] && values.cache !== undefined) usageError("--cache and --no-cache cannot both be given (see --help)");
const cache = values["no-cache"] ? undefined : (values.cache ?? DEFAULT_CACHE);

try {
  const started = performance.now();
  const code = cache !== undefined ? await codeIdentity(import.meta.url) : "";
  const report = await buildAll({
    content: createFsStorage({ base: values.content }),
    output: createFsStorage({ base: values.out }),
    now: new Date(),
    ...(cache !== undefined
      ? {
          // Each content folder has its own: two sites built with the same cache keep theirs, and
          // a build removes the items it no longer shows.
          renderCache: { store: createFsStorage({ base: join(cache, "render", folderId(values.content)) }), code, prune: true },
          scanCache: { store: createFsStorage({ base: join(cache, "scan", folderId(values.content)) }), code },
          feedCache: { store: createFsStorage({ base: join(cache, "feeds", folderId(values.content)) }), code, prune: true },
          // One per output folder: what is remembered is that folder's files.
          outputHashes: { store: createFsStorage({ base: join(cache, "output", folderId(values.out)) }) },
        }
      : {}),
  });
  console.log(formatSummary(report, values.out, performance.now() - started, cache));
  process.exitCode = report.rejected.length > 0 || report.invalid.length > 0 ? 1 : 0;
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Invalid site configuration in ${values.content}/${error.message}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
