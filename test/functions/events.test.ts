import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { S3Event, SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { continuationOf, MalformedMessageError, parseRequest, type Request } from "../../functions/events.js";
import { RESCAN_PHASES } from "../../lib/publish/rescan.js";
import { eventBridgeS3Event, fromS3rver, scheduledEvent, sqsFifoEvent } from "../../scripts/support/local-aws/index.js";

const BUCKET = "feedpub-dev-contentbucket-1x9k2m7q4w8e";

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`../fixtures/events/${name}`, import.meta.url), "utf8")) as T;
}

/** Parses each SQS record's body as the handler does. */
function requestsOf(event: SQSEvent, bucket = BUCKET): Request[] {
  return event.Records.map((r) => parseRequest(JSON.parse(r.body), bucket));
}

/** Every leaf path with its type, e.g. "detail.object.size:number", to compare shapes. */
function shape(value: unknown, path = ""): string[] {
  if (Array.isArray(value)) return [`${path}:array`, ...(value.length > 0 ? shape(value[0], `${path}[]`) : [])];
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([k, v]) => shape(v, path ? `${path}.${k}` : k)).sort();
  }
  return [`${path}:${typeof value}`];
}

function notification(key: string, eventName = "ObjectCreated:Put", bucket = BUCKET): S3Event {
  const event = fixture<S3Event>("s3-notification-put.json");
  const record = event.Records[0]!;
  return { Records: [{ ...record, eventName, s3: { ...record.s3, bucket: { ...record.s3.bucket, name: bucket }, object: { ...record.s3.object, key } } }] };
}

describe("parseRequest: EventBridge events from S3, delivered through SQS FIFO", () => {
  it("takes Object Created keys raw: ASCII, Chinese, and spaces, plus and percent signs left as they are", () => {
    expect(requestsOf(fixture("sqs-object-created.json"))).toEqual([
      { kind: "changes", changes: [{ key: "2022-05-20-jiangxi-bank.md", removed: false }] },
      { kind: "changes", changes: [{ key: "2022-05-25-银行理财.md", removed: false }] },
      { kind: "changes", changes: [{ key: "notes/2022-06-03 weekly notes+c%2B%2B.md", removed: false }] },
    ]);
  });

  it("reads Object Deleted as a removal, whether S3 deleted the object or put a delete marker on it", () => {
    const event = fixture<SQSEvent>("sqs-object-deleted.json");
    expect(event.Records.map((r) => (JSON.parse(r.body) as { detail: Record<string, unknown> }).detail["deletion-type"])).toEqual([
      "Permanently Deleted",
      "Delete Marker Created",
    ]);
    expect(requestsOf(event)).toEqual([
      { kind: "changes", changes: [{ key: "2022-05-20-jiangxi-bank.md", removed: true }] },
      { kind: "changes", changes: [{ key: "2022-05-25-银行理财.md", removed: true }] },
    ]);
  });

  it("ignores events for another bucket", () => {
    expect(requestsOf(fixture("sqs-object-created.json"), "feedpub-prod-contentbucket-0000")).toEqual([
      { kind: "ignore", why: `event for bucket "${BUCKET}"` },
      { kind: "ignore", why: `event for bucket "${BUCKET}"` },
      { kind: "ignore", why: `event for bucket "${BUCKET}"` },
    ]);
  });

  it.each(["feeds/rss.xml", "state/site.json", "contentious/a.md", "Content/a.md", "a/content/b.md", "content"])(
    "ignores %s, which is outside content/",
    (key) => {
      const event = eventBridgeS3Event({ bucket: BUCKET, key, type: "Object Created" });
      expect(parseRequest(event, BUCKET)).toMatchObject({ kind: "ignore" });
    },
  );

  it("ignores S3 event types other than Object Created and Object Deleted", () => {
    const event = { ...eventBridgeS3Event({ bucket: BUCKET, key: "content/a.md", type: "Object Created" }), "detail-type": "Object Tags Added" };
    expect(parseRequest(event, BUCKET)).toEqual({ kind: "ignore", why: 'detail-type "Object Tags Added"' });
  });

  it("reads the scheduled event as a tick", () => {
    expect(requestsOf(fixture("sqs-scheduled-event.json"))).toEqual([{ kind: "tick" }]);
    expect(parseRequest(scheduledEvent(), BUCKET)).toEqual({ kind: "tick" });
  });

  it('reads {"action":"rebuild"} as a rebuild', () => {
    expect(requestsOf(fixture("sqs-rebuild.json"))).toEqual([{ kind: "rebuild" }]);
    expect(parseRequest({ action: "rebuild" }, BUCKET)).toEqual({ kind: "rebuild" });
  });
});

describe("parseRequest: classic S3 notifications (keys form-urlencoded)", () => {
  it("decodes keys exactly and skips other buckets, keys outside content/ and nothing else", () => {
    const event = fixture<S3Event>("s3-notification-put.json");
    expect(event.Records[0]!.s3.object.key).toBe("content/2022-05-25-%E9%93%B6%E8%A1%8C%E7%90%86%E8%B4%A2.md");
    expect(parseRequest(event, BUCKET)).toEqual({
      kind: "changes",
      changes: [
        { key: "2022-05-25-银行理财.md", removed: false },
        { key: "2022-06-03 weekly notes.md", removed: false },
        { key: "c++-notes.md", removed: false },
        { key: "2022-05-30-brokerage-wealth-management.md", removed: true },
      ],
    });
  });

  it.each([
    ["content/2022-06-03+weekly+notes.md", "2022-06-03 weekly notes.md"],
    ["content/c%2B%2B-notes.md", "c++-notes.md"],
    ["content/a%2Bb+c.md", "a+b c.md"],
    ["content/100%25-sure.md", "100%-sure.md"],
    ["content/%E9%93%B6%E8%A1%8C/%E7%90%86%E8%B4%A2+%F0%9F%93%88.md", "银行/理财 📈.md"],
  ])("decodes %s as %s", (encoded, key) => {
    expect(parseRequest(notification(encoded), BUCKET)).toEqual({ kind: "changes", changes: [{ key, removed: false }] });
  });

  it("reads ObjectRemoved:* as a removal and skips other event names", () => {
    expect(parseRequest(notification("content/a.md", "ObjectRemoved:Delete"), BUCKET)).toEqual({ kind: "changes", changes: [{ key: "a.md", removed: true }] });
    expect(parseRequest(notification("content/a.md", "ObjectRestore:Completed"), BUCKET)).toMatchObject({ kind: "ignore" });
  });

  it("ignores a notification for another bucket, and S3's test event", () => {
    expect(parseRequest(notification("content/a.md", "ObjectCreated:Put", "other-bucket"), BUCKET)).toMatchObject({ kind: "ignore" });
    expect(parseRequest(fixture("s3-test-event.json"), BUCKET)).toEqual({ kind: "ignore", why: "S3 test event" });
  });

  it("gives the same changes as the EventBridge event for the same write (fromS3rver)", () => {
    const event = fixture<S3Event>("s3-notification-put.json");
    for (const record of event.Records.filter((r) => r.s3.bucket.name === BUCKET && r.s3.object.key.startsWith("content/"))) {
      expect(parseRequest(fromS3rver(record), BUCKET)).toEqual(parseRequest({ Records: [record] }, BUCKET));
    }
  });
});

describe("parseRequest: a rescan's continuation", () => {
  it.each(RESCAN_PHASES)("reads back the continuation the function sends for a step of the %s phase", (phase) => {
    const cursor = { id: "lx2k9.1", phase, after: phase === "archive" ? "feeds/tags/银行\n3" : null };
    expect(parseRequest(JSON.parse(JSON.stringify(continuationOf(cursor))), BUCKET)).toEqual({ kind: "rescan", cursor });
  });

  it("throws MalformedMessageError for a phase no rescan has", () => {
    expect(() => parseRequest({ action: "rescan", rescan: { id: "x", phase: "publish", after: null } }, BUCKET)).toThrow(MalformedMessageError);
  });
});

describe("parseRequest: malformed messages", () => {
  it.each([
    ["null", null],
    ["a number", 42],
    ["a string", "content/a.md"],
    ["an array", [{ source: "aws.s3" }]],
    ["an empty object", {}],
    ["an aws.s3 event without detail", { source: "aws.s3", "detail-type": "Object Created" }],
    ["an aws.s3 event with a numeric key", { source: "aws.s3", "detail-type": "Object Created", detail: { bucket: { name: BUCKET }, object: { key: 7 } } }],
    ["a record without s3", { Records: [{ eventName: "ObjectCreated:Put" }] }],
    ["a record without eventName", { Records: [{ s3: { bucket: { name: BUCKET }, object: { key: "content/a.md" } } }] }],
  ])("throws MalformedMessageError for %s", (_what, body) => {
    expect(() => parseRequest(body, BUCKET)).toThrow(MalformedMessageError);
  });

  it("throws MalformedMessageError naming the key when it is not validly URL-encoded", () => {
    expect(() => parseRequest(notification("content/%E9%93.md"), BUCKET)).toThrow(
      new MalformedMessageError('object key "content/%E9%93.md" is not validly URL-encoded'),
    );
  });
});

describe("fixtures and builders (scripts/support/local-aws)", () => {
  const fixtures = ["sqs-object-created.json", "sqs-object-deleted.json", "sqs-scheduled-event.json", "sqs-rebuild.json"];

  it.each(fixtures)("%s is an SQS FIFO event whose md5OfBody and deduplication id match its bodies", (name) => {
    for (const record of fixture<SQSEvent>(name).Records) {
      expect(record.md5OfBody).toBe(createHash("md5").update(record.body).digest("hex"));
      expect(record.attributes.MessageDeduplicationId).toBe(createHash("sha256").update(record.body).digest("hex"));
      expect(record).toMatchObject({ eventSource: "aws:sqs", eventSourceARN: "arn:aws:sqs:us-east-1:123456789012:feedpub-dev-publish.fifo" });
      expect(record.attributes.MessageGroupId).toBe("feeds");
    }
  });

  it("build events of the same shape as the fixtures", () => {
    const created = fixture<SQSEvent>("sqs-object-created.json");
    const deleted = fixture<SQSEvent>("sqs-object-deleted.json");
    const scheduled = fixture<SQSEvent>("sqs-scheduled-event.json");
    const built = sqsFifoEvent([
      eventBridgeS3Event({ bucket: BUCKET, key: "content/a.md", type: "Object Created", versionId: "v1" }),
      eventBridgeS3Event({ bucket: BUCKET, key: "content/a.md", type: "Object Deleted", versionId: "v2" }),
      scheduledEvent(),
    ]);
    const bodies = (e: SQSEvent) => e.Records.map((r) => JSON.parse(r.body) as unknown);
    expect(shape(built.Records[0])).toEqual(shape(created.Records[0]));
    expect(bodies(built).map((b) => shape(b))).toEqual([bodies(created)[0], bodies(deleted)[0], bodies(scheduled)[0]].map((b) => shape(b)));
  });

  it("number messages and sequence numbers in order, so a batch's order is visible", () => {
    const { Records } = sqsFifoEvent([scheduledEvent(), scheduledEvent(), scheduledEvent()]);
    const sequence = Records.map((r) => BigInt(r.attributes.SequenceNumber!));
    expect(sequence).toEqual([...sequence].sort((a, b) => (a < b ? -1 : 1)));
    expect(new Set(Records.map((r) => r.messageId)).size).toBe(3);
  });
});
