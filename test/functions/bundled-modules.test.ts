/**
 * Which code this run tests: the TypeScript sources, or under vitest.bundle.config.ts the handler's
 * bundled modules, imported by the tests and by the sources alike, one copy of each.
 */
import { describe, expect, it } from "vitest";
import { handleEvent } from "../../functions/handle-event.js";
import { TooLargeError } from "../../lib/errors.js";
import { createMemoryStorage } from "../../lib/storage/memory.js";
import { bundleDir } from "../support/handler-module.js";

const bundled = bundleDir() !== undefined;

describe(bundled ? "the bundled handler modules" : "the handler's sources", () => {
  it("are what the tests import", () => {
    // Minified (the bundle keeps no names), functions and classes lose theirs.
    expect(handleEvent.name === "handleEvent").toBe(!bundled);
    expect(TooLargeError.name === "TooLargeError").toBe(!bundled);
  });

  it("throw the error classes the tests import", async () => {
    const storage = createMemoryStorage();
    await storage.put("content/a.md", "0123456789");
    await expect(storage.get("content/a.md", { maxBytes: 4 })).rejects.toBeInstanceOf(TooLargeError);
  });
});
