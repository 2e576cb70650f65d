import { describe, expect, it } from "vitest";
import { readSettings } from "../../functions/settings.js";
import { ConfigError } from "../../lib/errors.js";
import { DEFAULT_CACHE_CONTROL } from "../../lib/publish/write-files.js";

const QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/feedpub-dev-publish.fifo";

/** Problems with `env`, the queue URL set unless `env` says otherwise. */
function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    readSettings({ PUBLISH_QUEUE_URL: QUEUE_URL, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`readSettings accepted ${JSON.stringify(env)}`);
}

describe("readSettings: BUCKET", () => {
  it("reads a valid bucket name, trimmed", () => {
    expect(readSettings({ PUBLISH_QUEUE_URL: QUEUE_URL, BUCKET: "feedpub-dev-contentbucket-1x9k2m7q4w8e" }).bucket).toBe("feedpub-dev-contentbucket-1x9k2m7q4w8e");
    expect(readSettings({ PUBLISH_QUEUE_URL: QUEUE_URL, BUCKET: " my.bucket-1 \n" }).bucket).toBe("my.bucket-1");
  });

  it.each([
    ["missing", {}],
    ["explicitly undefined", { BUCKET: undefined }],
    ["empty", { BUCKET: "" }],
    ["whitespace", { BUCKET: " \t\n" }],
  ])("refuses BUCKET %s with a ConfigError naming BUCKET, not the string undefined", (_what, env: Record<string, string | undefined>) => {
    const problems = problemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^BUCKET is not set/);
    expect(problems.join("\n")).not.toMatch(/undefined/);
  });

  it.each(["My_Bucket", "ab", "a".repeat(64), "-leading-hyphen", "trailing-hyphen-", "UPPER", "has space", "s3://bucket"])(
    "refuses the invalid bucket name %j, naming BUCKET and the value",
    (name) => {
      expect(problemsOf({ BUCKET: name })).toEqual([`BUCKET "${name}" is not a valid S3 bucket name`]);
    },
  );

  it("says which file it is about: the environment", () => {
    expect(() => readSettings({ PUBLISH_QUEUE_URL: QUEUE_URL })).toThrow(/^environment: BUCKET is not set/);
  });
});

describe("readSettings: CACHE_CONTROL", () => {
  it.each([
    ["missing", undefined],
    ["empty", ""],
    ["whitespace", "  "],
  ])("defaults to %s when it is %s", (_what, value) => {
    expect(readSettings({ PUBLISH_QUEUE_URL: QUEUE_URL, BUCKET: "feeds", CACHE_CONTROL: value }).cacheControl).toBe(DEFAULT_CACHE_CONTROL);
    expect(DEFAULT_CACHE_CONTROL).toBe("public, max-age=300, stale-while-revalidate=600");
  });

  it("takes an override as it is, trimmed", () => {
    expect(readSettings({ PUBLISH_QUEUE_URL: QUEUE_URL, BUCKET: "feeds", CACHE_CONTROL: " public, max-age=60 " }).cacheControl).toBe("public, max-age=60");
  });

  it.each(["public,\nmax-age=60", "public, max-age=60\r\nX-Injected: 1", "public\r, max-age=60"])(
    "refuses a value with a line break inside (%j): it must be one header value",
    (value) => {
      expect(problemsOf({ BUCKET: "feeds", CACHE_CONTROL: value })).toEqual(["CACHE_CONTROL must be a single header value"]);
    },
  );

  it("reports every problem at once", () => {
    expect(problemsOf({ BUCKET: "My_Bucket", CACHE_CONTROL: "a\nb" })).toEqual([
      'BUCKET "My_Bucket" is not a valid S3 bucket name',
      "CACHE_CONTROL must be a single header value",
    ]);
  });
});

describe("readSettings: PUBLISH_QUEUE_URL", () => {
  it("reads the FIFO queue's URL, trimmed", () => {
    expect(readSettings({ BUCKET: "feeds", PUBLISH_QUEUE_URL: ` ${QUEUE_URL}\n` }).queueUrl).toBe(QUEUE_URL);
  });

  it.each([
    ["missing", undefined],
    ["empty", ""],
  ])("refuses it %s, naming it and what it is for", (_what, value) => {
    expect(problemsOf({ BUCKET: "feeds", PUBLISH_QUEUE_URL: value })).toEqual([
      "PUBLISH_QUEUE_URL is not set: it names the FIFO queue the function sends a rescan's next step to",
    ]);
  });

  it.each(["https://sqs.us-east-1.amazonaws.com/123456789012/feedpub-dev-publish", "arn:aws:sqs:us-east-1:123456789012:feedpub-dev-publish.fifo", "feedpub-dev-publish.fifo"])(
    "refuses %j: not the URL of a FIFO queue",
    (value) => {
      expect(problemsOf({ BUCKET: "feeds", PUBLISH_QUEUE_URL: value })).toEqual([`PUBLISH_QUEUE_URL "${value}" is not the https URL of a FIFO queue (ending in .fifo)`]);
    },
  );
});
