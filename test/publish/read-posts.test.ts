import { describe, expect, it } from "vitest";
import { PostError } from "../../lib/errors.js";
import { loadPost } from "../../lib/publish/read-posts.js";
import { createFsStorage } from "../../lib/storage/fs.js";
import { createMemoryStorage } from "../../lib/storage/memory.js";
import type { Storage } from "../../lib/storage/types.js";
import { makeSite, removedAfterAll } from "../feeds/helpers.js";
import { postText, siteConfig } from "../posts/site.js";

const config = siteConfig();

// Front matter that ends just before, at, and after the 4,096 bytes the scan reads first, and far past them.
const description = (bytes: number) => `description: ${"d".repeat(bytes)}`;
const POSTS: Record<string, string> = {
  "2022-05-20-short.md": postText("title: 短\ncategories: bank"),
  "2022-05-20-before.md": postText(`title: x\n${description(4050)}`),
  "2022-05-20-edge.md": postText(`title: x\n${description(4066)}`),
  "2022-05-20-edge-dash.md": `${postText(`title: x\n${description(4066)}`).replace(/\n---\n/, "\n----\n")}---\n`,
  "2022-05-20-after.md": postText(`title: x\n${description(4100)}`),
  "2022-05-20-long.md": postText(`title: x\n${description(30_000)}`),
  "2022-05-20-crlf.md": postText(`title: x\n${description(4066)}`).replace(/\n/g, "\r\n"),
  "2022-05-20-unclosed.md": `---\ntitle: x\n${"<p>正文</p>".repeat(1000)}`,
  "2022-05-20-too-large.md": postText("title: x", "a".repeat(200_000)),
};

/** The Post, or the rejection's reason, loadPost gives for `key` with `part`. */
async function outcome(storage: Storage, key: string, part: "whole" | "head") {
  try {
    const post = await loadPost(storage, key, config, part);
    return post && { ...post, body: "" };
  } catch (error) {
    if (!(error instanceof PostError)) throw error;
    return { reason: error.reason };
  }
}

describe("loadPost from a folder, reading a post's start for its front matter", () => {
  const dirs = removedAfterAll();

  it.each(Object.keys(POSTS))("gives what a whole read gives, and what a bucket gives: %s", async (key) => {
    const dir = await makeSite(POSTS);
    dirs.push(dir);
    const folder = createFsStorage({ base: dir });
    const bucket = createMemoryStorage();
    await bucket.put(key, POSTS[key]!);
    const head = await outcome(folder, key, "head");
    expect(head).toEqual(await outcome(folder, key, "whole"));
    expect(head).toEqual(await outcome(bucket, key, "head"));
  });

  it("gives null for a post that is not there", async () => {
    const dir = await makeSite({});
    dirs.push(dir);
    expect(await loadPost(createFsStorage({ base: dir }), "2022-05-20-gone.md", config, "head")).toBeNull();
  });

  it("refuses a post over feeds.limits.post_bytes, as a whole read does", async () => {
    const dir = await makeSite(POSTS);
    dirs.push(dir);
    expect(await outcome(createFsStorage({ base: dir }), "2022-05-20-too-large.md", "head")).toEqual({
      reason: "post is 200,017 bytes; feeds.limits.post_bytes allows 131,072",
    });
  });
});
