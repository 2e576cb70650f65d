/** Every CloudFront Function under infra/edge/, as the template loads it (infra/edge/code.cjs). */
import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const EDGE = new URL("../../infra/edge/", import.meta.url);
const FUNCTIONS = readdirSync(EDGE).filter((name) => name.endsWith(".js"));

describe.each(FUNCTIONS)("infra/edge/%s", (name) => {
  const code = readFileSync(new URL(name, EDGE), "utf8");

  it("is a plain script within CloudFront Functions' 10 KB", () => {
    expect(Buffer.byteLength(code)).toBeLessThan(10 * 1024);
    expect(code).toMatch(/^function handler\(event\) \{$/m);
    expect(code).not.toMatch(/^\s*(import|export)\s/m);
  });

  it("has no ${ that the Serverless Framework would read as a variable when it loads the file", () => {
    expect(code).not.toContain("${");
  });
});

it("finds both functions", () => {
  expect(FUNCTIONS.sort()).toEqual(["feed-request.js", "feed-response.js"]);
});
