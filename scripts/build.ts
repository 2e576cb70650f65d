// Local build: `npm start` builds content/ into public/; `npm run build -- --content <dir> --out <dir>`.
import { ConfigError } from "../lib/errors.js";
import { buildAll } from "../lib/publish/build-all.js";
import { createFsStorage } from "../lib/storage/fs.js";
import { formatSummary } from "./summary.js";
import { parseCli, requireContentFolder } from "./support/cli.js";

const values = parseCli(
  `usage: npm run build -- [--content <dir>] [--out <dir>]

Builds every feed from the posts in --content (default content/) into <out>/feeds/ (default public/).
Exits 1 when a post was rejected or a file did not parse back (every other post is still
published), 2 when the configuration is invalid.`,
  {
    content: { type: "string", default: "content" },
    out: { type: "string", default: "public" },
  },
);

requireContentFolder(values.content);

try {
  const started = performance.now();
  const report = await buildAll({
    content: createFsStorage({ base: values.content }),
    output: createFsStorage({ base: values.out }),
    now: new Date(),
  });
  console.log(formatSummary(report, values.out, performance.now() - started));
  process.exitCode = report.rejected.length > 0 || report.invalid.length > 0 ? 1 : 0;
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(`Invalid site configuration in ${values.content}/${error.message}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
