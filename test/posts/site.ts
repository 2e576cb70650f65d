import { readFileSync } from "node:fs";
import { parseConfig, type SiteConfig } from "../../lib/config.js";

/** A +0800 site like the real one; `extra` is appended YAML (e.g. a `feeds:` section). */
export function siteConfig(extra = "", timezone = "Asia/Shanghai"): SiteConfig {
  return parseConfig(`title: 测试站\nurl: https://finews.example.com\ntimezone: ${timezone}\n${extra}`);
}

/** A post file: YAML front matter lines, then a body. */
export function postText(frontMatter: string, body = "<p>正文</p>\n"): string {
  return `---\n${frontMatter}\n---\n${body}`;
}

export function readFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/posts/${name}`, import.meta.url), "utf8");
}
