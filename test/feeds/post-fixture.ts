import type { Post } from "../../lib/posts/post.js";

export const POST_URL = "https://news.example.com/bank/2022/05/20/rate-cut.html";

/** One HTML post as parsePost would give it, with `body` and any field overridden. */
export function postOf(body: string, extra: Partial<Post> = {}): Post {
  return {
    key: "2022-05-20-rate-cut.html",
    id: "urn:uuid:00000000-0000-5000-8000-000000000000",
    url: POST_URL,
    title: "降息",
    date: new Date("2022-05-20T00:00:00+08:00"),
    categories: ["bank"],
    tags: [],
    draft: false,
    body,
    format: "html",
    ...extra,
  };
}
