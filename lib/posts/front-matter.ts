import matter from "gray-matter";
import { stripXmlForbidden } from "./text.js";
import { loadYaml } from "./yaml.js";

export interface FrontMatter {
  data: Record<string, unknown>;
  body: string;
}

const refuse = (language: string) => () => {
  throw new Error(`front matter in "${language}" is not accepted: only YAML is, and it is read as data`);
};

// Every engine gray-matter knows is replaced: its default "javascript" engine runs the block
// with eval, and front matter must be data, never code.
const OPTIONS = {
  language: "yaml",
  engines: {
    yaml: (text: string) => loadYaml(stripXmlForbidden(text)) as object,
    javascript: refuse("javascript"),
    js: refuse("js"),
    coffee: refuse("coffee"),
    coffeescript: refuse("coffeescript"),
    cson: refuse("cson"),
    json: refuse("json"),
    toml: refuse("toml"),
  },
};

/**
 * Splits a post into its YAML front matter and body. Throws an Error whose message says what
 * is wrong; the caller names the file.
 */
export function parseFrontMatter(text: string): FrontMatter {
  const opening = /^---([^\r\n]*)\r?\n/.exec(text);
  if (!opening) throw new Error('no front matter: a post starts with a line "---", its YAML, then "---"');
  const language = opening[1]!.trim().toLowerCase();
  if (language !== "" && language !== "yaml" && language !== "yml") refuse(language)();
  if (!/\r?\n---[ \t]*(\r?\n|$)/.test(text.slice(opening[0].length - 1))) {
    throw new Error('front matter is not closed: add a line "---" after it');
  }
  // Passing options also keeps gray-matter from caching every string it has seen in a module-level
  // object, which would grow without bound in a warm Lambda.
  const file = matter(text, OPTIONS);
  const data: unknown = file.data;
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new Error("front matter must be a YAML mapping of keys to values");
  }
  return { data: data as Record<string, unknown>, body: file.content };
}

