/**
 * Checks a CloudFormation template offline against AWS's resource specification
 * (@aws-cdk/aws-service-spec), catching what `osls package` lets through: unknown
 * resource types and properties, missing required properties, GetAtt to attributes
 * that do not exist, Ref/Sub/DependsOn to nothing, and dependency cycles.
 *
 *   npm run check:infra [-- --stage prod]   package that stage, then check its template
 *   tsx scripts/check-template.ts --template <template.json>
 *
 * The checks live in scripts/check-template/; this file is their entry point and the command line.
 */
import { spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { checkTemplate, loadSpecSource } from "./check-template/index.js";
import { isObject } from "./check-template/json.js";
import { parseCli } from "./support/cli.js";

export {
  checkTemplate,
  createSpecSource,
  findCycles,
  loadSpecSource,
  type PropertySpec,
  type ResourceSpec,
  type SpecSource,
  type TypeSpec,
} from "./check-template/index.js";

// ---------------------------------------------------------------------------
// Command line

export const DEFAULT_TEMPLATE = ".serverless/cloudformation-template-update-stack.json";

async function main(file = DEFAULT_TEMPLATE): Promise<number> {
  const template: unknown = JSON.parse(await readFile(file, "utf8"));
  const problems = checkTemplate(template, await loadSpecSource());
  for (const problem of problems) console.error(`[check-template] ${problem}`);
  const count = isObject(template) && isObject(template.Resources) ? Object.keys(template.Resources).length : 0;
  console.log(
    problems.length === 0
      ? `[check-template] ${file}: ${count} resources, no problems`
      : `[check-template] ${file}: ${problems.length} problem(s)`,
  );
  return problems.length === 0 ? 0 : 1;
}

const USAGE = `usage: npm run check:infra -- [--stage <name>] [--template <file>]

Packages the service for --stage (default dev) with osls, offline, and checks the CloudFormation
template against AWS's resource specification. With --template, checks that file without packaging.`;

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const values = parseCli(USAGE, { stage: { type: "string", default: "dev" }, template: { type: "string" } });
  if (!values.template) {
    // The template of the stage asked for: packaging is part of this command, not a step before it.
    const packaged = spawnSync("npm", ["run", "package", "--", "--stage", values.stage], { stdio: "inherit" });
    if (packaged.status !== 0) {
      console.error(`[check-template] packaging stage ${values.stage} failed (exit ${packaged.status ?? packaged.signal}); its output is above`);
      process.exit(1);
    }
  }
  main(values.template).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`[check-template] ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    },
  );
}
