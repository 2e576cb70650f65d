import { describe, expect, it } from "vitest";
import { applyStateWrites, encodeWrites, JOURNAL_KEY, readJournal, writeJournal } from "../../lib/publish/journal.js";
import { decodeState, encodeState } from "../../lib/publish/state-codec.js";
import { createMemoryStorage } from "../../lib/storage/memory.js";

const WRITES = [
  { key: "state/site.json", body: JSON.stringify({ version: 4, feeds: ["feeds"], 说明: "银行 & <b>" }) },
  { key: "state/feeds/gone/state.json", body: null },
  { key: "state/posts/0a.json", body: JSON.stringify({ "2022-05-20-a.md": { feeds: ["feeds"], date: 1 } }) },
];
const FILES = ["feeds/rss.xml", "feeds/tags/银行/atom.xml"];

describe("the journal", () => {
  it("gives back the state writes and files it was written with, each object's bytes as they will be put", async () => {
    const bucket = createMemoryStorage();
    const writes = encodeWrites(WRITES);
    await writeJournal(bucket, { writes, files: FILES });
    const journal = (await readJournal(bucket))!;
    expect(journal.files).toEqual(FILES);
    const bytesOf = (ws: typeof writes) => ws.map((w) => [w.key, w.bytes && Buffer.from(w.bytes).toString("base64")]);
    expect(bytesOf(journal.writes)).toEqual(bytesOf(writes));
    expect(journal.writes.map((w) => (w.bytes ? decodeState(w.bytes) : null))).toEqual(WRITES.map((w) => w.body));
  });

  it("reads a journal an earlier version left (its writes as JSON text inside JSON) and applies it", async () => {
    const bucket = createMemoryStorage();
    await bucket.put("state/feeds/gone/state.json", "{}");
    await bucket.put(JOURNAL_KEY, encodeState(JSON.stringify({ writes: WRITES, files: FILES })));
    const journal = (await readJournal(bucket))!;
    expect(journal.files).toEqual(FILES);
    await applyStateWrites(bucket, journal.writes);
    expect(decodeState((await bucket.get("state/site.json"))!)).toBe(WRITES[0]!.body);
    expect(await bucket.get("state/feeds/gone/state.json")).toBeNull();
    // And the oldest form, a bare list of writes with no files.
    await bucket.put(JOURNAL_KEY, encodeState(JSON.stringify(WRITES)));
    expect((await readJournal(bucket))!.files).toEqual([]);
  });

  it("is absent when no run left one", async () => {
    expect(await readJournal(createMemoryStorage())).toBeNull();
  });
});
