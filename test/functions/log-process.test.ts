/**
 * The handler module in a fresh node, as Lambda loads it: every line it and its dependencies print
 * is one of our JSON lines, on stdout, and nothing reaches stderr. The messages here are unreadable,
 * which the handler drops without reaching S3, so no server is needed. The source module through
 * tsx, or the bundled one under vitest.bundle.config.ts.
 */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { handlerModule } from "../support/handler-module.js";
import { runNode, type ChildRun } from "../support/run-node.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const HANDLER = handlerModule();

function runHandlerScript(body: string): Promise<ChildRun> {
  const script = `const { handler } = await import(${JSON.stringify(HANDLER.url)});\n${body}`;
  return runNode([...HANDLER.nodeArgs, "--input-type=module", "-e", script], {
    cwd: ROOT,
    env: { BUCKET: "feedpub-test-bucket", PUBLISH_QUEUE_URL: "http://127.0.0.1/queue", AWS_REGION: "us-east-1" },
  });
}

describe("the handler's output, in a fresh node", () => {
  it("is one JSON line per entry, with each invocation's request id, its dependencies' warnings included", async () => {
    const run = await runHandlerScript(
      [
        // What the AWS SDK does on a Node it is about to stop supporting, and what it logs through console.
        'process.emitWarning("NodeVersionSupportWarning: a dependency warns");',
        'await new Promise((r) => setTimeout(r, 10));',
        'await handler({ Records: [{ eventSource: "aws:sqs", messageId: "m-1", body: "{not json" }] }, { awsRequestId: "req-sqs" });',
        'console.warn("a dependency warns through console");',
        "await new Promise((r) => setTimeout(r, 10));",
        'await handler("not an event", { awsRequestId: "req-dropped" });',
        'process.emitWarning("late", "DeprecationWarning", "DEP0000");',
        "await new Promise((r) => setTimeout(r, 10));",
      ].join("\n"),
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((l) => [l.requestId, l.level, l.type, l.outcome ?? l.message])).toEqual([
      [undefined, "WARN", "warning", "NodeVersionSupportWarning: a dependency warns"],
      ["req-sqs", "ERROR", "message", "dropped"],
      ["req-sqs", "INFO", "batch", undefined],
      ["req-sqs", "WARN", "console", "a dependency warns through console"],
      ["req-dropped", "ERROR", "message", "dropped"],
      ["req-dropped", "INFO", "batch", undefined],
      ["req-dropped", "WARN", "warning", "late"],
    ]);
    for (const line of lines) expect(Object.keys(line).slice(0, 2)).toEqual(["timestamp", "level"]);
  });

  it("has no request id when the handler is called without a context", async () => {
    const run = await runHandlerScript('await handler("not an event");');
    expect(run.stderr).toBe("");
    const lines = run.stdout.split("\n").filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) expect(line).not.toHaveProperty("requestId");
  });
});
