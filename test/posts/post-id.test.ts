import { describe, expect, it } from "vitest";
import { parsePost } from "../../lib/posts/parse-post.js";
import { postId } from "../../lib/posts/post-id.js";
import { postText, readFixture, siteConfig } from "./site.js";

const config = siteConfig();
const KEY = "2022-05-20-jiangxi-bank.md";
// Version nibble 5; variant bits 10xx (8, 9, a or b).
const UUID_V5 = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("post ids", () => {
  it("are urn:uuid version 5 with the RFC 4122 variant", () => {
    for (const key of [KEY, "2022-05-25-银行理财.md", "news/a.html", "x.md"]) {
      expect(postId(config.url, key)).toMatch(UUID_V5);
    }
  });

  it("are name-based UUIDs of the site URL and the key, so they never change between releases", () => {
    // Expected values computed independently: Python's uuid.uuid5(uuid.NAMESPACE_URL, name).
    expect(postId("https://finews.example.com", KEY)).toBe("urn:uuid:b7eb25a8-e288-59ac-b7cd-1874006cf6c3");
    expect(postId("https://finews.withounder.com", KEY)).toBe("urn:uuid:ccbc083c-cac3-5078-99ce-aeae0ee2205c");
    expect(postId("https://finews.example.com", "2022-05-25-银行理财.md")).toBe("urn:uuid:9b3748b4-ef65-5037-8ea2-2cc8c76368db");
    expect(postId("https://finews.example.com", KEY, "post-123")).toBe("urn:uuid:c35c7f21-7513-59b9-a32e-8b12bc6754ff");
  });

  it("stay the same when the title, date, categories, tags or permalink are edited", () => {
    const original = parsePost(KEY, readFixture(KEY), config);
    const edited = parsePost(
      KEY,
      postText(
        "title: 改过的标题\ndate: 2022-06-01 09:00:00 +0800\ncategories: [zhengquanshibao, 银行]\ntags: 其他\npermalink: /moved/here/\nupdated: 2022-06-02",
        "<p>全新的正文</p>",
      ),
      config,
    );
    expect(edited.title).not.toBe(original.title);
    expect(edited.url).not.toBe(original.url);
    expect(edited.date.getTime()).not.toBe(original.date.getTime());
    expect(edited.id).toBe(original.id);
    expect(edited.id).toBe(postId(config.url, KEY));
  });

  it("stay the same when a post becomes a draft and back", () => {
    const live = parsePost(KEY, postText("title: x"), config);
    const draft = parsePost(KEY, postText("title: x\npublished: false"), config);
    expect(draft.id).toBe(live.id);
  });

  it("differ between posts", () => {
    const keys = [KEY, "2022-05-21-jiangxi-bank.md", "news/2022-05-20-jiangxi-bank.md", "2022-05-20-jiangxi-bank.html", "2022-05-20-Jiangxi-bank.md"];
    const ids = keys.map((key) => parsePost(key, postText("title: 同一个标题\ndate: 2022-05-20"), config).id);
    expect(new Set(ids).size).toBe(keys.length);
  });

  it("differ between sites", () => {
    expect(postId("https://a.example.com", KEY)).not.toBe(postId("https://b.example.com", KEY));
  });

  it("use an override that is an absolute URI as is", () => {
    expect(postId(config.url, KEY, "tag:finews.example.com,2022:1")).toBe("tag:finews.example.com,2022:1");
    expect(postId(config.url, KEY, "https://old.example.com/?p=1")).toBe("https://old.example.com/?p=1");
    expect(postId(config.url, KEY, "urn:uuid:0e6b2d3e-1111-4222-8333-444455556666")).toBe("urn:uuid:0e6b2d3e-1111-4222-8333-444455556666");
  });

  it("hash an override that is not a URI into a stable id that does not depend on the key", () => {
    const a = postId(config.url, KEY, "post-123");
    expect(a).toMatch(UUID_V5);
    expect(a).not.toBe(postId(config.url, KEY));
    expect(postId(config.url, "other.md", "post-123")).toBe(a);
    expect(postId(config.url, KEY, "post-124")).not.toBe(a);
  });
});
