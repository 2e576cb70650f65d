/**
 * Generators of posts for the hostile-input property: seed-shaped good posts, and hostile ones
 * that each differ from a good post in one way (a name, the front matter, the body, the bytes).
 * Every value is plain data ending in the post's exact text, so a counterexample prints as the
 * file it was; nothing here draws randomness of its own.
 */
import fc from "fast-check";

export const GOOD_CATEGORIES = ["beijingshangbao", "zhengquanshibao", "bank", "银行新闻"] as const;
export const GOOD_TAGS = ["北京商报新闻", "银行", "股市", "ipo"] as const;

export const HOSTILE_KINDS = [
  "name-lone-surrogate",
  "name-noncharacter",
  "name-control",
  "name-dot-segment",
  "name-separator",
  "name-reserved-character",
  "name-long",
  "name-reserved-file",
  "name-case",
  "name-normalisation",
  "name-invisible",
  "name-emoji",
  "names-too-many",
  "fm-alias-bomb",
  "fm-deep-nesting",
  "fm-language",
  "fm-unclosed",
  "fm-not-mapping",
  "fm-wrong-type",
  "fm-invalid-date",
  "fm-published-no",
  "fm-huge-number",
  "fm-duplicate-key",
  "fm-oversize",
  "body-cdata",
  "body-script",
  "body-javascript-url",
  "body-xml-forbidden",
  "body-char-reference",
  "body-lone-surrogate",
  "body-entities",
  "body-unclosed",
  "post-oversize",
  "file-crlf",
  "file-lone-cr",
  "file-bom",
] as const;
export type HostileKind = (typeof HOSTILE_KINDS)[number];

/** What the publisher may do with a post; "rejected" always needs a reason. */
export type Outcome = "published" | "rejected" | "draft" | "scheduled";

/** Set by front matter that was run as code instead of read as data. */
export const EVALUATED_FLAG = "__feedpubFrontMatterEvaluated";

/** How one hostile post differs from a good one. */
interface Mutation {
  kind: HostileKind;
  /** Replaces the front-matter line of a field ("" drops it) or adds it. */
  set?: [string, string][];
  /** Front-matter lines added at the end. */
  extra?: string[];
  /** Replaces the whole YAML between the fences. */
  frontMatter?: string;
  opening?: string;
  /** The closing fence; null: none at all. */
  closing?: string | null;
  /** Appended to the body, after the marker paragraph. */
  body?: string;
  eol?: "crlf" | "cr" | "cr-body";
  bom?: boolean;
  /** A rejection must match this (case-insensitive): the field, limit or rule at fault. */
  reason: string;
  allowed?: Outcome[];
}

interface GoodSpec {
  kind: "good";
  title: string;
  day: number;
  time: [number, number, number];
  offset: "+0800" | "+08:00";
  categories: string[];
  tags: string[];
  form: NameForm;
}

interface Placement {
  folder: "" | "posts/" | "银行/";
  ext: "md" | "markdown" | "html";
  /** Delivery order for the incremental run: sorted by rank, then by index. */
  rank: number;
  /** Starts a new batch before this post. */
  cut: boolean;
}

export interface PostCase {
  key: string;
  kind: "good" | HostileKind;
  /** The file as a string; lone surrogates in it are written as their 3-byte (WTF-8) form. */
  text: string;
  /** A word only this post's body holds, to find it in the output. */
  mark: string;
  /** Good posts: what the feeds must show. */
  title?: string;
  categories?: string[];
  tags?: string[];
  /** Hostile posts: what a rejection reason must name, and the outcomes besides "rejected" allowed. */
  reason?: string;
  allowed?: Outcome[];
  rank: number;
  cut: boolean;
}

type NameForm = "flow" | "block" | "string";

// ---------------------------------------------------------------------------------------------
// YAML text

/** A YAML double-quoted scalar holding exactly `value`: unpaired surrogates, controls, noncharacters and invisible characters as escapes. */
export function yamlQuote(value: string): string {
  let out = '"';
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    const next = value.charCodeAt(i + 1);
    if (unit >= 0xd800 && unit <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      const cp = value.codePointAt(i)!;
      out += (cp & 0xfffe) === 0xfffe ? `\\U${hex(cp, 8)}` : value.slice(i, i + 2);
      i++;
    } else if (unit >= 0xd800 && unit <= 0xdfff) out += `\\u${hex(unit, 4)}`;
    else if (unit === 0x22) out += '\\"';
    else if (unit === 0x5c) out += "\\\\";
    else if (unit < 0x20 || (unit >= 0x7f && unit <= 0x9f)) out += `\\x${hex(unit, 2)}`;
    else if (INVISIBLE.test(value[i]!)) out += `\\u${hex(unit, 4)}`;
    else out += value[i];
  }
  return `${out}"`;
}

const INVISIBLE = /[\u00ad\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff\ufdd0-\ufdef\ufffe\uffff]/;

function hex(n: number, width: number): string {
  return n.toString(16).toUpperCase().padStart(width, "0");
}

function nameLine(field: string, names: string[], form: NameForm): string {
  if (form === "flow") return `${field}: [${names.map(yamlQuote).join(", ")}]`;
  if (form === "block") return `${field}:\n${names.map((n) => `  - ${yamlQuote(n)}`).join("\n")}`;
  return `${field}: ${yamlQuote(names.join(" "))}`;
}

/** UTF-8, except that an unpaired surrogate becomes its 3-byte form: bytes no UTF-8 decoder accepts. */
export function encodeWtf8(text: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.codePointAt(i)!;
    if (cp > 0xffff) i++;
    else if (cp >= 0xd800 && cp <= 0xdfff) cp = text.charCodeAt(i);
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  }
  return Uint8Array.from(bytes);
}

// ---------------------------------------------------------------------------------------------
// Good posts

const SEED_TITLE = "江西银行全力写好“强攻二季度、确保双过半”文章";
const SEED_PARAGRAPH =
  "<p>“以昂扬斗志全力强攻二季度、确保双过半，奋力夺取疫情防控和经济社会发展双胜利。”近日，江西银行召开党委会会议。</p><p>| 迅速响应 | 吹响“集结号”</p>";
const MARKDOWN_PARAGRAPH = "今年一季度，江西银行经营工作实现了**平稳开局**，详见[原文](/news/2022/05/20.html)。\n\n## 深耕普惠金融\n\n- 绿色金融\n- 乡村金融";

const nameForm = fc.constantFrom<NameForm>("flow", "block", "string");

const goodSpec: fc.Arbitrary<GoodSpec> = fc.record({
  kind: fc.constant("good" as const),
  title: fc.constantFrom(SEED_TITLE, "证券时报：A股三大指数集体收涨", 'Title & <B> "quoted"', "AT&T 收购 ]]> 案", "Plain ASCII headline"),
  day: fc.integer({ min: 1, max: 28 }),
  time: fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), fc.integer({ min: 0, max: 59 })),
  offset: fc.constantFrom("+0800" as const, "+08:00" as const),
  categories: fc.subarray([...GOOD_CATEGORIES], { minLength: 1, maxLength: 2 }),
  tags: fc.subarray([...GOOD_TAGS], { maxLength: 2 }),
  form: nameForm,
});

// ---------------------------------------------------------------------------------------------
// Hostile posts

const EITHER: Outcome[] = ["rejected", "published"];
const NAME_FIELDS = ["categories", "category", "tags", "tag"] as const;

/** A hostile name, alone or beside a good one, in one of the four name fields. */
function nameKind(kind: HostileKind, names: fc.Arbitrary<string[]>, reason = "categor|tag"): fc.Arbitrary<Mutation> {
  return fc
    .record({ names, field: fc.constantFrom(...NAME_FIELDS), form: nameForm, withGood: fc.boolean() })
    .map(({ names, field, form, withGood }) => {
      const good = field.startsWith("tag") ? "银行" : "bank";
      // A string field splits on spaces, so the good name goes in a list.
      const all = withGood ? [good, ...names] : names;
      const line = nameLine(field, all, form);
      return { kind, set: [[field, line]], reason, allowed: EITHER };
    });
}

const one = (...names: string[]) => fc.constantFrom(...names).map((n) => [n]);

/** A name that differs from a good post's name, or from the one beside it, only in case or normalisation. */
function lookAlike(pairs: [string, string][]): fc.Arbitrary<string[]> {
  return fc.record({ pair: fc.constantFrom(...pairs), both: fc.boolean() }).map(({ pair, both }) => (both ? [...pair] : [pair[1]]));
}

const bodyKind = (kind: HostileKind, ...bodies: string[]): fc.Arbitrary<Mutation> =>
  fc.constantFrom(...bodies).map((body) => ({ kind, body, reason: "url|href|src|link|body|html|character|script|markdown|entit", allowed: EITHER }));

const lineKind = (kind: HostileKind, variants: [field: string, line: string][], allowed: Outcome[] = EITHER, reason?: string) =>
  fc.constantFrom(...variants).map(([field, line]): Mutation => ({ kind, set: [[field, line]], reason: reason ?? field, allowed }));

const kinds: Record<HostileKind, fc.Arbitrary<Mutation>> = {
  "name-lone-surrogate": nameKind("name-lone-surrogate", one("\ud800", "a\udfffb", "银行\ud83d", "\ude00x")),
  "name-noncharacter": nameKind("name-noncharacter", one("\ufffe", "x\uffff", "\ufdd0新闻", "a\u{1fffe}", "\u{10ffff}")),
  "name-control": nameKind("name-control", one("a\u0001b", "\u001f", "nul\u0000", "del\u007f", "nel\u0085x", "c1\u009b", "bell\u0007")),
  "name-dot-segment": nameKind("name-dot-segment", one("..", ".", "...", "．．")),
  "name-separator": nameKind("name-separator", one("a/b", "/", "a\\b", "\\", "../../etc", "x/../y")),
  "name-reserved-character": nameKind(
    "name-reserved-character",
    one("a<b", "<script>", "a>b", 'say"hi"', "why?", "#hash", "100%", "a&b", "AT&T", "%2e%2e", "q=1&r=2"),
  ),
  "name-long": nameKind(
    "name-long",
    fc.record({ unit: fc.constantFrom("a", "中", "📈", "é"), bytes: fc.integer({ min: 201, max: 1100 }) }).map(({ unit, bytes }) => [
      unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit))),
    ]),
    "categor|tag|bytes|name_bytes",
  ),
  "name-reserved-file": nameKind(
    "name-reserved-file",
    one("rss.xml", "RSS.XML", "atom.xml", "Atom.Xml", "feed.json", "FEED.JSON", "index.opml", "index.html", "Index.HTML", "tags", "Tags", "authors", "AUTHORS"),
  ),
  "name-case": nameKind(
    "name-case",
    lookAlike([["bank", "Bank"], ["bank", "BANK"], ["ipo", "IPO"], ["ipo", "Ipo"], ["ipo", "İpo"], ["beijingshangbao", "BeijingShangbao"], ["stock", "STOCK"]]),
  ),
  "name-normalisation": nameKind(
    "name-normalisation",
    lookAlike([["caf\u00e9", "cafe\u0301"], ["\u00c5", "\u212b"], ["\u00c5", "A\u030a"], ["\ud55c\uad6d", "\u1112\u1161\u11ab\u1100\u116e\u11a8"]]),
  ),
  "name-invisible": nameKind("name-invisible", one("\u202eabc", "a\u200bb", "\u200d", "\u2066x\u2069", "\ufeffbom", "عربي", "שלום\u200f", "\u061c", "\u00ad")),
  "name-emoji": nameKind("name-emoji", one("📈", "👨‍👩‍👧", "🇨🇳", "🏳️‍🌈", "1️⃣", "😀\ufe0f")),
  "names-too-many": fc.record({ n: fc.integer({ min: 9, max: 12 }), field: fc.constantFrom("categories", "tags") }).map(({ n, field }) => ({
    kind: "names-too-many",
    set: [[field, nameLine(field, Array.from({ length: n }, (_, k) => `n${k}`), "flow")]],
    reason: "names|names_per_post|categor|tag",
    allowed: EITHER,
  })),

  "fm-alias-bomb": fc
    .record({ levels: fc.integer({ min: 2, max: 6 }), width: fc.integer({ min: 3, max: 9 }), place: fc.constantFrom("extra", "tags", "title", "description") })
    .map(({ levels, width, place }) => {
      const anchors = [`b0: &b0 [${Array(width).fill('"lol"').join(", ")}]`];
      for (let l = 1; l < levels; l++) anchors.push(`b${l}: &b${l} [${Array(width).fill(`*b${l - 1}`).join(", ")}]`);
      const use = place === "extra" ? [] : [`${place}: *b${levels - 1}`];
      return {
        kind: "fm-alias-bomb",
        set: place === "extra" ? [] : [[place, ""]],
        extra: [...anchors, ...use],
        reason: `yaml_nodes|alias|values${place === "extra" ? "" : `|${place}`}`,
        allowed: EITHER,
      } satisfies Mutation;
    }),
  "fm-deep-nesting": fc
    .record({
      // 700 levels of "{a: " stay under feeds.limits.front_matter_bytes.
      depth: fc.oneof(fc.integer({ min: 11, max: 40 }), fc.constantFrom(300, 700)),
      style: fc.constantFrom("flow-list", "flow-map", "block-map"),
      place: fc.constantFrom("extra", "tags", "title"),
    })
    .map(({ depth, style, place }) => {
      const field = place === "extra" ? "nested" : place;
      let line: string;
      if (style === "flow-list") line = `${field}: ${"[".repeat(depth)}1${"]".repeat(depth)}`;
      else if (style === "flow-map") line = `${field}: ${"{a: ".repeat(depth)}1${"}".repeat(depth)}`;
      else {
        // Indentation grows with depth: 25 levels stay under feeds.limits.front_matter_bytes.
        const levels = Math.min(depth, 25);
        line = [`${field}:`, ...Array.from({ length: levels }, (_, k) => `${"  ".repeat(k + 1)}a:${k === levels - 1 ? " 1" : ""}`)].join("\n");
      }
      return {
        kind: "fm-deep-nesting",
        set: place === "extra" ? [] : [[place, ""]],
        extra: [line],
        reason: `yaml_depth|nest|deep|depth${place === "extra" ? "" : `|${place}`}`,
        allowed: EITHER,
      } satisfies Mutation;
    }),
  "fm-language": fc.constantFrom(
    ...(
      [
        ["---js", "js"],
        ["---javascript", "js"],
        ["--- js", "js"],
        ["---JS", "js"],
        ["---coffee", "yaml"],
        ["---json", "json"],
        ["---toml", "toml"],
        ["---ruby", "yaml"],
      ] as const
    ).map(([opening, body]): Mutation => ({
      kind: "fm-language",
      opening,
      frontMatter:
        body === "js"
          ? `{ title: (globalThis.${EVALUATED_FLAG} = true, "js"), date: "2022-05-20 00:01:40 +0800" }`
          : body === "json"
            ? `{"title": "json", "date": "2022-05-20 00:01:40 +0800"}`
            : body === "toml"
              ? `title = "toml"\ndate = "2022-05-20 00:01:40 +0800"`
              : `title: "${opening.slice(3)}"\ndate: 2022-05-20 00:01:40 +0800`,
      reason: "js|javascript|coffee|json|toml|ruby|language|yaml",
      allowed: EITHER,
    })),
  ),
  "fm-unclosed": fc.constantFrom(null, "--", "----", "...", "---x", " ---", "- - -").map((closing): Mutation => ({
    kind: "fm-unclosed",
    closing,
    reason: "closed|front matter|---|yaml",
    allowed: EITHER,
  })),
  "fm-not-mapping": fc.constantFrom("- a\n- b", "just a string", "42", "", "null", "~", "[title, date]", "true", '"quoted"').map((frontMatter): Mutation => ({
    kind: "fm-not-mapping",
    frontMatter,
    reason: "mapping|title|front matter",
    allowed: EITHER,
  })),
  "fm-wrong-type": lineKind("fm-wrong-type", [
    ["title", "title: [a, b]"],
    ["title", "title: {x: 1}"],
    ["title", "title:\n  - a"],
    ["date", "date: {y: 2022}"],
    ["date", "date: [2022, 5, 20]"],
    ["categories", "categories: {a: 1}"],
    ["tags", "tags: [[a]]"],
    ["tags", "tags: [{x: 1}]"],
    ["author", "author: [a, b]"],
    ["author", "author: {email: a@example.com}"],
    ["published", "published: [true]"],
    ["permalink", "permalink: {a: 1}"],
    ["description", "description: [x]"],
    ["id", "id: [1]"],
    ["slug", "slug: {a: b}"],
    ["updated", "updated: [1]"],
  ]),
  "fm-invalid-date": lineKind("fm-invalid-date", [
    ["date", "date: 2022-02-30 10:00:00 +0800"],
    ["date", "date: 2022-13-01"],
    ["date", "date: not a date"],
    ["date", "date: 2022-05-20 25:61:00 +0800"],
    ["date", "date: 0000-00-00"],
    ["date", "date: 2022-05-20T00:01:40+99:00"],
    ["date", 'date: ""'],
    ["date", "date: 20220520"],
    ["date", "date: 2022-05-20 00:01:40 +0800 extra"],
    ["date", "date: -2022-05-20"],
    ["date", "date: 2022-05-20T24:00:00Z"],
    ["updated", "updated: garbage"],
  ]),
  "fm-published-no": lineKind(
    "fm-published-no",
    ["published: \"no\"", "published: no", 'published: "false"', "published: 0", "published: off", 'published: "0"', "published: N"].map((l) => ["published", l]),
    ["rejected", "draft"],
  ),
  "fm-huge-number": lineKind("fm-huge-number", [
    ["title", "title: 1e400"],
    ["title", "title: 123456789012345678901234567890"],
    ["title", "title: 0x7fffffffffffffffffff"],
    ["title", "title: .inf"],
    ["categories", "categories: [1e400]"],
    ["tags", "tags: [99999999999999999999999]"],
    ["tags", "tags: .nan"],
    ["date", "date: 1e400"],
    ["date", "date: 99999999999999999999"],
    ["id", "id: 1e308"],
    ["description", "description: -1e400"],
  ]),
  "fm-duplicate-key": fc
    .constantFrom(
      ["title", 'title: "B"'],
      ["categories", "categories: stock"],
      ["date", "date: 2022-05-21 00:00:00 +0800"],
      ["layout", "layout: page"],
      ["published", "published: true\npublished: false"],
    )
    .map(([field, line]): Mutation => ({ kind: "fm-duplicate-key", extra: [line], reason: `duplicat|${field}`, allowed: EITHER })),
  "fm-oversize": fc.integer({ min: 4100, max: 6000 }).map((bytes): Mutation => ({
    kind: "fm-oversize",
    set: [["description", `description: "${"描".repeat(Math.ceil(bytes / 3))}"`]],
    reason: "front_matter_bytes|front matter|bytes",
    allowed: EITHER,
  })),

  "body-cdata": bodyKind("body-cdata", "a ]]> b", "<![CDATA[ x ]]> y", "]]>]]>", "<p>]]&gt;</p>", "`]]>`", "<![CDATA[ unclosed"),
  "body-script": bodyKind(
    "body-script",
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<scr<script>ipt>alert(1)</script>",
    "<script>document.write('</p>')",
  ),
  "body-javascript-url": bodyKind(
    "body-javascript-url",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    '<a href=" JaVaScRiPt:alert(1)">x</a>',
    '<a href="java&#x09;script:alert(1)">x</a>',
    '<a href="jav&#x61;script:alert(1)">x</a>',
    '<img src="javascript:alert(1)">',
    '<a href="vbscript:x">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    "<javascript:alert(1)>",
  ),
  "body-xml-forbidden": fc.oneof(
    bodyKind("body-xml-forbidden", "nul\u0000here", "a\u0001b\u0008c", "vt\u000bff\u000c", "esc\u001b[31m", "x\ufffey\uffff", '<a title="x\u0001y" href="/a">t</a>'),
    lineKind("body-xml-forbidden", [["title", `title: ${yamlQuote("T\u0001\ufffe x")}`], ["title", 'title: "T\u0002raw"']], EITHER, "title|character"),
  ),
  // Character references to what XML 1.0 forbids: an HTML parser decodes them into the characters.
  "body-char-reference": bodyKind(
    "body-char-reference",
    "<p>&#x1;</p>",
    "<p>a&#1;b</p>",
    "<span>&#x0B;&#xC;</span>",
    "<p>esc&#27;[31m</p>",
    "<p>&#xFFFE;</p>",
    "<b>&#xFFFF;</b>",
    '<a href="/a" title="x&#x1;y">t</a>',
    '<img src="/i.png" alt="&#xFFFE;">',
    "<p>&#0;&#xD800;&#x110000;</p>",
    "plain &#x1; text",
  ),
  "body-lone-surrogate": fc.oneof(
    bodyKind("body-lone-surrogate", "raw \ud800 here", "a\udc00b", "😀".slice(0, 1), "&#xD800;", "&#55296;"),
    lineKind(
      "body-lone-surrogate",
      [["title", `title: ${yamlQuote("T\ud800")}`], ["description", 'description: "raw \ud800"']],
      EITHER,
      "title|description|character|surrogate|utf",
    ),
  ),
  "body-entities": fc.oneof(
    bodyKind(
      "body-entities",
      "&",
      "AT&T & Co",
      "&amp;amp;",
      "&nbsp;&copy;&#x1F600;",
      "&bogus;",
      "&#99999999;",
      "&#0;",
      "&#x1;",
      "&lt;script&gt;alert(1)&lt;/script&gt;",
      "a &&& b",
      "&#x80;",
      "&#xFFFE;",
    ),
    lineKind("body-entities", [["title", 'title: "AT&T &amp; <b>bold</b> &#x1;"']], EITHER, "title"),
  ),
  "body-unclosed": bodyKind(
    "body-unclosed",
    "<div><p><b><i>text",
    "<table><tr><td>cell",
    "</p></div></span>",
    '<a href="/x">open link',
    "<!-- unclosed comment",
    '<p class="unterminated',
    "<ul><li>a<li>b",
    "<?php echo 1; ?>",
    "<!DOCTYPE html>",
    "<math><mi>x",
    "<style>p{}",
    "<textarea>",
  ),
  "post-oversize": fc.integer({ min: 33_000, max: 40_000 }).map((bytes): Mutation => ({
    kind: "post-oversize",
    body: `<p>${"长文".repeat(Math.ceil(bytes / 6))}</p>`,
    reason: "post_bytes|bytes",
    allowed: EITHER,
  })),

  "file-crlf": fc.boolean().map((bom): Mutation => ({ kind: "file-crlf", eol: "crlf", bom, reason: "front matter|---|line", allowed: EITHER })),
  "file-lone-cr": fc.constantFrom("cr" as const, "cr-body" as const).map((eol): Mutation => ({ kind: "file-lone-cr", eol, reason: "front matter|---|line", allowed: EITHER })),
  "file-bom": fc.boolean().map((crlf): Mutation => ({
    kind: "file-bom",
    bom: true,
    ...(crlf ? { eol: "crlf" as const } : {}),
    reason: "front matter|---|bom|byte order",
    allowed: EITHER,
  })),
};

const hostileSpec: fc.Arbitrary<Mutation> = fc.oneof(...HOSTILE_KINDS.map((k) => kinds[k]));

const placement: fc.Arbitrary<Placement> = fc.record({
  folder: fc.constantFrom("" as const, "posts/" as const, "银行/" as const),
  ext: fc.constantFrom("md" as const, "markdown" as const, "html" as const),
  rank: fc.nat({ max: 99 }),
  cut: fc.integer({ min: 0, max: 2 }).map((n) => n === 0),
});

// ---------------------------------------------------------------------------------------------
// Rendering

function fileOf(opening: string, yaml: string, closing: string | null, body: string, m?: Pick<Mutation, "eol" | "bom">): string {
  const head = `${opening}\n${yaml}\n${closing === null ? "" : `${closing}\n`}`;
  let text = head + body;
  if (m?.eol === "crlf") text = text.replace(/\n/g, "\r\n");
  if (m?.eol === "cr") text = text.replace(/\n/g, "\r");
  if (m?.eol === "cr-body") text = head + body.replace(/\n/g, "\r");
  return m?.bom ? `\ufeff${text}` : text;
}

function keyOf(p: Placement, day: number, index: number): string {
  return `${p.folder}2022-05-${String(day).padStart(2, "0")}-p${index}.${p.ext}`;
}

function renderGood(spec: GoodSpec, p: Placement, index: number): PostCase {
  const mark = `mark-${index}-end`;
  const [h, mi, s] = spec.time.map((n) => String(n).padStart(2, "0"));
  const yaml = [
    "layout: post",
    `title: ${yamlQuote(spec.title)}`,
    `date: 2022-05-${String(spec.day).padStart(2, "0")} ${h}:${mi}:${s} ${spec.offset}`,
    nameLine("categories", spec.categories, spec.form),
    ...(spec.tags.length > 0 ? [nameLine("tags", spec.tags, spec.form)] : []),
  ].join("\n");
  const body = `<p>${mark}</p>\n\n${p.ext === "html" ? SEED_PARAGRAPH : MARKDOWN_PARAGRAPH}\n`;
  return {
    key: keyOf(p, spec.day, index),
    kind: "good",
    text: fileOf("---", yaml, "---", body),
    mark,
    title: spec.title,
    categories: spec.categories,
    tags: spec.tags,
    rank: p.rank,
    cut: p.cut,
  };
}

function renderHostile(m: Mutation, p: Placement, index: number): PostCase {
  const mark = `mark-${index}-end`;
  const lines = new Map<string, string>([
    ["layout", "layout: post"],
    ["title", `title: "Hostile post ${index}"`],
    ["date", "date: 2022-05-20 00:01:40 +0800"],
    ["categories", "categories: bank"],
    ["tags", "tags: 银行"],
  ]);
  for (const [field, line] of m.set ?? []) lines.set(field, line);
  const yaml = m.frontMatter ?? [...lines.values(), ...(m.extra ?? [])].filter((l) => l !== "").join("\n");
  const body = `<p>${mark}</p>\n\n${p.ext === "html" ? SEED_PARAGRAPH : MARKDOWN_PARAGRAPH}\n\n${m.body ?? ""}\n`;
  return {
    key: keyOf(p, 20, index),
    kind: m.kind,
    text: fileOf(m.opening ?? "---", yaml, m.closing === undefined ? "---" : m.closing, body, m),
    mark,
    reason: m.reason,
    allowed: m.allowed ?? EITHER,
    rank: p.rank,
    cut: p.cut,
  };
}

/** Good and hostile posts, each with a distinct key and marker. */
export const postSet: fc.Arbitrary<PostCase[]> = fc
  .record({
    good: fc.array(fc.tuple(goodSpec, placement), { minLength: 1, maxLength: 5 }),
    hostile: fc.array(fc.tuple(hostileSpec, placement), { minLength: 1, maxLength: 6 }),
  })
  .map(({ good, hostile }) => [
    ...good.map(([spec, p], i) => renderGood(spec, p, i)),
    ...hostile.map(([m, p], i) => renderHostile(m, p, good.length + i)),
  ]);

/** The posts in delivery order, cut into SQS-sized batches (at most ten). */
export function batchesOf(posts: PostCase[]): PostCase[][] {
  const ordered = posts.map((p, i) => ({ p, i })).sort((a, b) => a.p.rank - b.p.rank || a.i - b.i);
  const batches: PostCase[][] = [];
  for (const { p } of ordered) {
    const last = batches.at(-1);
    if (!last || p.cut || last.length === 10) batches.push([p]);
    else last.push(p);
  }
  return batches;
}
