// Local build: `npm start` builds content/ into public/; `npm run build -- --content <dir> --out <dir>`.
import { parseArgs } from "node:util";
import { ConfigError } from "../lib/errors.js";
import { buildAll } from "../lib/publish/build-all.js";
import { createFsStorage } from "../lib/storage/fs.js";
import { formatSummary } from "./summary.js";

const { values } = parseArgs({
  options: {
    content: { type: "string", default: "content" },
    out: { type: "string", default: "public" },
  },
});

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
