import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";

describe("the Node the tests run on", () => {
  it("is the major version of the Lambda runtime serverless.yml deploys", async () => {
    const yml = await readFile(new URL("../../serverless.yml", import.meta.url), "utf8");
    const runtime = /^\s*runtime:\s*nodejs(\d+)\.x/m.exec(yml)?.[1];
    expect(runtime, "serverless.yml names a nodejsNN.x runtime").toBeDefined();
    // npm ci installs this Node (the npm package `node`) and npm scripts run on it.
    expect(process.versions.node.split(".")[0]).toBe(runtime);
  });
});
