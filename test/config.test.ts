import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../lib/config.js";
import { ConfigError } from "../lib/errors.js";
import { DEFAULT_LIMITS } from "../lib/limits.js";
import { itemLimit, longestFeed } from "../lib/site-config.js";
import type { FeedKind } from "../lib/feeds/model.js";

const MINIMAL = "title: 财经新闻网\nurl: https://finews.example.com\n";

/** Parses and returns the ConfigError thrown, failing the test if none is. */
function configError(text: string, file?: string): ConfigError {
  try {
    parseConfig(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).name).toBe("ConfigError");
    return error as ConfigError;
  }
  throw new Error("expected the config to be refused");
}

describe("parseConfig: the real site", () => {
  it("parses content/_config.yml", () => {
    const text = readFileSync(new URL("../content/_config.yml", import.meta.url), "utf8");
    expect(parseConfig(text)).toEqual({
      title: "财经新闻网",
      description: "北京商报、证券时报等财经媒体的最新新闻",
      url: "https://finews.withounder.com",
      baseurl: "",
      timezone: "Asia/Shanghai",
      lang: "zh-CN",
      author: { name: "财经新闻网编辑部" },
      feeds: {
        limit: 50,
        permalink: "/:categories/:year/:month/:day/:title.html",
        categories: { beijingshangbao: "北京商报新闻", zhengquanshibao: "证券时报新闻", diyicaijing: "第一财经新闻" },
        tags: { ipo: "IPO" },
        summaryLength: 200,
        url: "https://finews.withounder.com",
        limits: DEFAULT_LIMITS,
      },
    });
  });
});

describe("parseConfig: defaults", () => {
  const config = parseConfig(MINIMAL);

  it("needs only a title and a url", () => {
    expect(config.title).toBe("财经新闻网");
    expect(config.url).toBe("https://finews.example.com");
  });

  it("publishes 50 items per feed", () => {
    expect(config.feeds.limit).toBe(50);
  });

  it("uses UTC", () => {
    expect(config.timezone).toBe("UTC");
  });

  it("uses Jekyll's date permalink style", () => {
    expect(config.feeds.permalink).toBe("/:categories/:year/:month/:day/:title:output_ext");
  });

  it("has no baseurl, English, no author, no description, no titles and 200-character summaries", () => {
    expect(config.baseurl).toBe("");
    expect(config.lang).toBe("en");
    expect(config.author).toBeUndefined();
    expect(config.description).toBe("");
    expect(config.feeds.categories).toEqual({});
    expect(config.feeds.tags).toEqual({});
    expect(config.feeds.summaryLength).toBe(200);
  });

  it("treats an empty feeds section like a missing one", () => {
    expect(parseConfig(`${MINIMAL}feeds:\n`).feeds).toEqual(config.feeds);
  });
});

describe("parseConfig: every problem at once", () => {
  it("reports a missing title, a bad url, an unknown timezone and feeds.limit 0 in one error", () => {
    const e = configError("url: not a url\ntimezone: Mars/Base\nfeeds:\n  limit: 0\n");
    expect(e.file).toBe("_config.yml");
    expect(e.problems).toHaveLength(4);
    expect(e.problems.find((p) => p.startsWith("title"))).toMatch(/title is required/);
    expect(e.problems.find((p) => p.startsWith("url"))).toContain('"not a url"');
    expect(e.problems.find((p) => p.startsWith("timezone"))).toContain('"Mars/Base"');
    expect(e.problems.find((p) => p.startsWith("feeds.limit"))).toMatch(/got 0/);
    for (const key of ["title", "url", "timezone", "feeds.limit", "Mars/Base"]) expect(e.message).toContain(key);
    expect(e.message.startsWith("_config.yml: ")).toBe(true);
  });

  it("names the file it was given", () => {
    const e = configError("title: x\n", "site/_config.yml");
    expect(e.file).toBe("site/_config.yml");
    expect(e.message).toBe("site/_config.yml: url is required");
  });
});

describe("parseConfig: title and url", () => {
  it("requires a title", () => {
    expect(configError("url: https://finews.example.com\n").problems).toEqual(["title is required"]);
    expect(configError('title: ""\nurl: https://finews.example.com\n').problems).toEqual(["title is required"]);
  });

  it("requires the title to be text", () => {
    expect(configError("title: [a]\nurl: https://finews.example.com\n").problems).toEqual(["title must be a string"]);
  });

  it("requires a url", () => {
    expect(configError("title: x\n").problems).toEqual(["url is required"]);
  });

  it("refuses a url with a path, telling to use baseurl", () => {
    const e = configError("title: x\nurl: https://finews.example.com/blog\n");
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatch(/^url must be scheme and host only/);
    expect(e.problems[0]).toContain("baseurl");
  });

  it("refuses a url with a query or fragment", () => {
    expect(configError("title: x\nurl: https://finews.example.com/?a=1\n").problems[0]).toMatch(/^url /);
    expect(configError("title: x\nurl: https://finews.example.com/#top\n").problems[0]).toMatch(/^url /);
  });

  it.each(["finews.example.com", "ftp://finews.example.com", "/relative"])("refuses the url %j", (url) => {
    const e = configError(`title: x\nurl: ${url}\n`);
    expect(e.problems).toEqual([`url must be an absolute http(s) URL such as "https://example.com", got "${url}"`]);
  });

  it("drops a trailing slash and keeps the port", () => {
    expect(parseConfig("title: x\nurl: https://finews.example.com/\n").url).toBe("https://finews.example.com");
    expect(parseConfig("title: x\nurl: http://localhost:4000\n").url).toBe("http://localhost:4000");
  });
});

describe("parseConfig: baseurl", () => {
  it("keeps a path and drops its trailing slash", () => {
    expect(parseConfig(`${MINIMAL}baseurl: /blog\n`).baseurl).toBe("/blog");
    expect(parseConfig(`${MINIMAL}baseurl: /blog/\n`).baseurl).toBe("/blog");
    expect(parseConfig(`${MINIMAL}baseurl: /\n`).baseurl).toBe("");
  });

  it("must start with a slash", () => {
    expect(configError(`${MINIMAL}baseurl: blog\n`).problems).toEqual(['baseurl must start with "/" (or be empty), got "blog"']);
  });
});

describe("parseConfig: timezone and lang", () => {
  it("accepts IANA zone names", () => {
    expect(parseConfig(`${MINIMAL}timezone: America/New_York\n`).timezone).toBe("America/New_York");
  });

  it("refuses unknown zones, naming the key and the value", () => {
    expect(configError(`${MINIMAL}timezone: Mars/Base\n`).problems).toEqual([
      'timezone must be an IANA zone name such as "Asia/Shanghai" (or UTC), got "Mars/Base"',
    ]);
    expect(configError(`${MINIMAL}timezone: Beijing\n`).problems[0]).toMatch(/^timezone .*"Beijing"/);
  });

  it("refuses abbreviations, which Intl would read as one of several zones, saying which names to write", () => {
    // "CST" is China Standard Time to this site's editors, and US Central (-0500) to Intl.
    expect(configError(`${MINIMAL}timezone: CST\n`).problems).toEqual([
      'timezone must be an IANA zone name, not an abbreviation: for "CST" write Asia/Shanghai (China) or America/Chicago (US Central)',
    ]);
    for (const zone of ["EST", "PST", "est", "EST5EDT", "Etc/GMT-8", "PRC"]) expect(configError(`${MINIMAL}timezone: ${zone}\n`).problems[0], zone).toMatch(/^timezone must be an IANA zone name/);
    for (const zone of ["UTC", "Asia/Shanghai", "America/Argentina/Buenos_Aires", "Asia/Calcutta"]) expect(parseConfig(`${MINIMAL}timezone: ${zone}\n`).timezone).toBe(zone);
  });

  it("accepts language tags and refuses anything else", () => {
    expect(parseConfig(`${MINIMAL}lang: zh-CN\n`).lang).toBe("zh-CN");
    expect(configError(`${MINIMAL}lang: 中文\n`).problems[0]).toMatch(/^lang must be a language tag/);
    expect(configError(`${MINIMAL}lang: zh_CN\n`).problems[0]).toMatch(/^lang /);
  });
});

describe("parseConfig: author", () => {
  it("reads a name", () => {
    expect(parseConfig(`${MINIMAL}author: 编辑部\n`).author).toEqual({ name: "编辑部" });
  });

  it("reads a mapping with email and url", () => {
    expect(parseConfig(`${MINIMAL}author:\n  name: 编辑部\n  email: ed@example.com\n  url: https://example.com/ed\n`).author).toEqual({
      name: "编辑部",
      email: "ed@example.com",
      url: "https://example.com/ed",
    });
  });

  it("requires the mapping's name, and a real email", () => {
    expect(configError(`${MINIMAL}author:\n  email: ed@example.com\n`).problems).toEqual(["author.name is required"]);
    expect(configError(`${MINIMAL}author:\n  name: 编辑部\n  email: not-an-email\n`).problems[0]).toMatch(/^author\.email .*"not-an-email"/);
  });

  it("refuses a list", () => {
    expect(configError(`${MINIMAL}author: [a, b]\n`).problems[0]).toMatch(/^author must be/);
  });
});

describe("parseConfig: feeds", () => {
  it("accepts a positive whole limit", () => {
    expect(parseConfig(`${MINIMAL}feeds:\n  limit: 10\n`).feeds.limit).toBe(10);
    expect(parseConfig(`${MINIMAL}feeds:\n  summary_length: 80\n`).feeds.summaryLength).toBe(80);
  });

  it.each(["0", "-1", "2.5", '"10"', "many"])("refuses feeds.limit: %s", (limit) => {
    const e = configError(`${MINIMAL}feeds:\n  limit: ${limit}\n`);
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatch(/^feeds\.limit must be a whole number of at least 1/);
  });

  it("takes feeds.limit by kind of feed, the default covering the kinds it does not name", () => {
    const { feeds } = parseConfig(`${MINIMAL}feeds:\n  limit:\n    default: 20\n    site: 200\n    tags: 10\n`);
    expect([feeds.limit, feeds.limitByKind]).toEqual([20, { site: 200, tag: 10 }]);
    expect(["site", "category", "tag", "author"].map((kind) => itemLimit(feeds, kind as FeedKind))).toEqual([200, 20, 10, 20]);
    expect(longestFeed(feeds)).toBe(200);
    // Without a default, the kinds not named keep 50.
    expect(parseConfig(`${MINIMAL}feeds:\n  limit:\n    site: 100\n`).feeds).toMatchObject({ limit: 50, limitByKind: { site: 100 } });
  });

  it("gives a mapping that changes no length the configuration a plain limit gives, so the index is kept", () => {
    const plain = parseConfig(`${MINIMAL}feeds:\n  limit: 30\n`);
    const mapped = parseConfig(`${MINIMAL}feeds:\n  limit:\n    default: 30\n    site: 30\n`);
    expect(mapped).toEqual(plain);
    expect(parseConfig(MINIMAL).feeds.limitByKind).toBeUndefined();
  });

  it("names each wrong feeds.limit setting", () => {
    expect(configError(`${MINIMAL}feeds:\n  limit:\n    default: 0\n    categorys: 5\n    tags: ten\n`).problems).toEqual([
      "feeds.limit.categorys is not a setting; did you mean feeds.limit.categories?",
      "feeds.limit.default must be a whole number of at least 1, got 0",
      'feeds.limit.tags must be a whole number of at least 1, got "ten"',
    ]);
    expect(configError(`${MINIMAL}feeds:\n  limit: [50]\n`).problems).toEqual(["feeds.limit must be a whole number of at least 1, got a list"]);
    // A typo that would put tens of thousands of full articles in every feed.
    expect(configError(`${MINIMAL}feeds:\n  limit: 50000\n`).problems).toEqual(["feeds.limit must be at most 1,000 items (each carries its full article), got 50,000"]);
    expect(configError(`${MINIMAL}feeds:\n  limit:\n    site: 1001\n`).problems).toEqual(["feeds.limit.site must be at most 1,000 items (each carries its full article), got 1,001"]);
    expect(parseConfig(`${MINIMAL}feeds:\n  limit: 1000\n`).feeds.limit).toBe(1000);
  });

  it("refuses feeds.summary_length: 0", () => {
    expect(configError(`${MINIMAL}feeds:\n  summary_length: 0\n`).problems[0]).toMatch(/^feeds\.summary_length /);
  });

  it.each([
    ["date", "/:categories/:year/:month/:day/:title:output_ext"],
    ["pretty", "/:categories/:year/:month/:day/:title/"],
    ["ordinal", "/:categories/:year/:y_day/:title:output_ext"],
    ["weekdate", "/:categories/:year/W:week/:short_day/:title:output_ext"],
    ["none", "/:categories/:title:output_ext"],
    ["/:year/:title/", "/:year/:title/"],
  ])("expands feeds.permalink %j", (permalink, pattern) => {
    expect(parseConfig(`${MINIMAL}feeds:\n  permalink: ${permalink}\n`).feeds.permalink).toBe(pattern);
  });

  it("falls back to Jekyll's top-level permalink", () => {
    expect(parseConfig(`${MINIMAL}permalink: pretty\n`).feeds.permalink).toBe("/:categories/:year/:month/:day/:title/");
    expect(parseConfig(`${MINIMAL}permalink: pretty\nfeeds:\n  permalink: none\n`).feeds.permalink).toBe("/:categories/:title:output_ext");
  });

  it("refuses a permalink that is neither a style nor a path", () => {
    const e = configError(`${MINIMAL}feeds:\n  permalink: fancy\n`);
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatch(/^feeds\.permalink must be a style name .* got "fancy"/);
  });

  it("reads category and tag display titles", () => {
    const config = parseConfig(`${MINIMAL}feeds:\n  categories:\n    beijingshangbao: 北京商报新闻\n  tags:\n    银行: 银行新闻\n`);
    expect(config.feeds.categories).toEqual({ beijingshangbao: "北京商报新闻" });
    expect(config.feeds.tags).toEqual({ 银行: "银行新闻" });
  });

  it("refuses unsafe names and empty titles, naming each key", () => {
    const e = configError(`${MINIMAL}feeds:\n  categories:\n    "..": x\n    ok: ""\n  tags: [a]\n`);
    expect(e.problems).toHaveLength(3);
    expect(e.problems[0]).toMatch(/^feeds\.categories\.\.\.: .*relative path segment/);
    expect(e.problems[1]).toBe("feeds.categories.ok must be a non-empty display title");
    expect(e.problems[2]).toBe("feeds.tags must map names to display titles");
  });

  it("refuses a category called tags", () => {
    expect(configError(`${MINIMAL}feeds:\n  categories:\n    tags: 标签\n`).problems[0]).toMatch(/^feeds\.categories\.tags: /);
  });

  it("refuses names a post could not have: reserved ignoring case, too long, a noncharacter", () => {
    const e = configError(`${MINIMAL}feeds:\n  categories:\n    Authors: x\n    ${"a".repeat(201)}: y\n  tags:\n    RSS.XML: z\n    "a\\uFFFF": w\n`);
    expect(e.problems).toHaveLength(4);
    expect(e.problems[0]).toMatch(/^feeds\.categories\.Authors: .*feeds\/authors\//);
    expect(e.problems[1]).toMatch(/^feeds\.categories\.a+: category name "a+"… is 201 bytes; feeds\.limits\.name_bytes allows 200$/);
    expect(e.problems[2]).toMatch(/^feeds\.tags\.RSS\.XML: .*one of the output's own files/);
    expect(e.problems[3]).toMatch(/noncharacter \(U\+FFFF\)/);
  });

  it("checks name lengths against feeds.limits.name_bytes when it is set", () => {
    expect(parseConfig(`${MINIMAL}feeds:\n  limits:\n    name_bytes: 250\n  tags:\n    ${"a".repeat(250)}: y\n`).feeds.tags).toEqual({ ["a".repeat(250)]: "y" });
  });

  it("keys display titles by feed name: NFC and lower-case, the title as written", () => {
    const config = parseConfig(`${MINIMAL}feeds:\n  categories:\n    Finance: 财经\n  tags:\n    IPO: IPO\n    "Cafe\\u0301": 咖啡\n`);
    expect(config.feeds.categories).toEqual({ finance: "财经" });
    expect(config.feeds.tags).toEqual({ ipo: "IPO", "café": "咖啡" });
  });

  it("refuses two keys that are one feed, naming both", () => {
    const e = configError(`${MINIMAL}feeds:\n  tags:\n    IPO: IPO\n    ipo: 新股\n    "\\u00E9": a\n    "e\\u0301": b\n`);
    expect(e.problems).toEqual([
      'feeds.tags.ipo: "IPO" and "ipo" are the same feed, "ipo" (names are compared in NFC, ignoring case); keep one',
      'feeds.tags.e\u0301: "\u00E9" and "e\u0301" are the same feed, "\u00E9" (names are compared in NFC, ignoring case); keep one',
    ]);
  });

  it("must be a mapping", () => {
    expect(configError(`${MINIMAL}feeds: [a]\n`).problems).toEqual(["feeds must be a mapping"]);
  });
});

describe("parseConfig: feeds.limits", () => {
  const limits = (yaml: string) => parseConfig(`${MINIMAL}feeds:\n  limits:\n${yaml}`).feeds.limits;

  it("defaults to lib/limits.ts, also without a feeds section or with an empty limits one", () => {
    expect(parseConfig(MINIMAL).feeds.limits).toEqual(DEFAULT_LIMITS);
    expect(parseConfig(`${MINIMAL}feeds:\n  limits:\n`).feeds.limits).toEqual(DEFAULT_LIMITS);
    expect(DEFAULT_LIMITS).toEqual({ postBytes: 131_072, frontMatterBytes: 65_536, namesPerPost: 50, nameBytes: 200, yamlNodes: 10_000, yamlDepth: 20 });
  });

  it.each([
    ["post_bytes", "postBytes"],
    ["front_matter_bytes", "frontMatterBytes"],
    ["names_per_post", "namesPerPost"],
    ["name_bytes", "nameBytes"],
    ["yaml_nodes", "yamlNodes"],
    ["yaml_depth", "yamlDepth"],
  ] as const)("overrides %s and leaves the others at their defaults", (key, field) => {
    expect(limits(`    ${key}: 7\n`)).toEqual({ ...DEFAULT_LIMITS, [field]: 7 });
  });

  it("reads YAML's underscored numbers", () => {
    expect(limits("    post_bytes: 2_000_000\n").postBytes).toBe(2_000_000);
  });

  it.each(["0", "-1", "2.5", '"10"', "[1]", "{ a: 1 }", "true", "1e400"])("refuses a limit of %s, naming the key", (value) => {
    const e = configError(`${MINIMAL}feeds:\n  limits:\n    yaml_nodes: ${value}\n`);
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatch(/^feeds\.limits\.yaml_nodes must be a whole number of at least 1, got /);
  });

  it("refuses an unknown key, naming it and the known ones", () => {
    const e = configError(`${MINIMAL}feeds:\n  limits:\n    postBytes: 10\n    name_bytes: 10\n`);
    expect(e.problems).toEqual([
      "feeds.limits.postBytes is not a known limit; did you mean feeds.limits.post_bytes?",
    ]);
    expect(configError(`${MINIMAL}feeds:\n  limits:\n    size: 10\n`).problems).toEqual([
      "feeds.limits.size is not a known limit; the limits are post_bytes, front_matter_bytes, names_per_post, name_bytes, yaml_nodes, yaml_depth",
    ]);
  });

  it("refuses a name_bytes no folder can have", () => {
    expect(limits("    name_bytes: 255\n").nameBytes).toBe(255);
    expect(configError(`${MINIMAL}feeds:\n  limits:\n    name_bytes: 256\n`).problems).toEqual([
      "feeds.limits.name_bytes must be at most 255, the bytes most filesystems allow in a folder name, got 256",
    ]);
  });

  it("must be a mapping", () => {
    expect(configError(`${MINIMAL}feeds:\n  limits: 10\n`).problems[0]).toMatch(/^feeds\.limits must map limit names/);
  });
});

describe("parseConfig: files that are not a config", () => {
  it("refuses invalid YAML", () => {
    const e = configError("title: [unclosed\nurl: https://finews.example.com\n");
    expect(e.problems).toHaveLength(1);
    expect(e.problems[0]).toMatch(/^not valid YAML/);
  });

  it("refuses YAML that is not a mapping", () => {
    expect(configError("- title\n- url\n").problems).toEqual(["must be a YAML mapping of keys to values"]);
    expect(configError("just text\n").problems).toEqual(["must be a YAML mapping of keys to values"]);
  });

  it("refuses an empty file", () => {
    expect(() => parseConfig("")).toThrow(ConfigError);
  });

  it("removes XML-forbidden characters from values", () => {
    expect(parseConfig("title: 财经\u0008新闻\u001D网\nurl: https://finews.example.com\n").title).toBe("财经新闻网");
  });
});

describe("feeds.url", () => {
  it("defaults to url + baseurl and can point at the CDN that serves feeds/", () => {
    expect(parseConfig("title: t\nurl: https://a.example\nbaseurl: /news\n").feeds.url).toBe("https://a.example/news");
    expect(parseConfig("title: t\nurl: https://a.example\nfeeds:\n  url: https://d111.cloudfront.net/\n").feeds.url).toBe("https://d111.cloudfront.net");
  });

  it("is refused when it is not an absolute URL, naming the key", () => {
    expect(() => parseConfig("title: t\nurl: https://a.example\nfeeds:\n  url: cdn.example\n")).toThrow(/feeds\.url/);
  });
});

describe("feeds.icon and feeds.logo", () => {
  const site = (feeds: string, top = "") => parseConfig(`${MINIMAL}${top}feeds:\n${feeds}`).feeds;

  it("are absent unless set, so the parsed configuration of a site without them is as before", () => {
    expect(Object.keys(parseConfig(MINIMAL).feeds)).not.toContain("icon");
    expect(Object.keys(parseConfig(MINIMAL).feeds)).not.toContain("logo");
  });

  it("keep an absolute URL, serialised", () => {
    expect(site("  icon: https://cdn.example.com/icon.png\n  logo: HTTPS://CDN.example.com/品牌 logo.png?v=1&x=2\n")).toMatchObject({
      icon: "https://cdn.example.com/icon.png",
      logo: "https://cdn.example.com/%E5%93%81%E7%89%8C%20logo.png?v=1&x=2",
    });
  });

  it("put a path on the site under url + baseurl, with or without a leading slash, as Jekyll's absolute_url does", () => {
    expect(site("  icon: /assets/icon.png\n  logo: assets/logo.svg\n", "baseurl: /news/\n")).toMatchObject({
      icon: "https://finews.example.com/news/assets/icon.png",
      logo: "https://finews.example.com/news/assets/logo.svg",
    });
    expect(site("  icon: /icon.png\n")).toMatchObject({ icon: "https://finews.example.com/icon.png" });
  });

  it("make a protocol-relative URL https", () => {
    expect(site("  logo: //cdn.example.com/logo.png\n")).toMatchObject({ logo: "https://cdn.example.com/logo.png" });
  });

  it.each([
    ["javascript:", '"javascript:alert(1)"'],
    ["data:", '"data:image/png;base64,AAAA"'],
    ["a host with a space", '"https://exa mple.com/icon.png"'],
    ["a fragment", '"#logo"'],
  ])("refuse %s, naming the key", (_, value) => {
    expect(configError(`${MINIMAL}feeds:\n  icon: ${value}\n`).problems).toEqual([
      expect.stringMatching(/^feeds\.icon must be an http\(s\) URL or a path on the site/),
    ]);
  });

  it("refuse a list or a mapping", () => {
    expect(configError(`${MINIMAL}feeds:\n  logo: [a.png]\n`).problems).toEqual(["feeds.logo must be a string"]);
    expect(configError(`${MINIMAL}feeds:\n  icon: { url: a.png }\n`).problems).toEqual(["feeds.icon must be a string"]);
  });

  it("are suggested for a misspelling", () => {
    expect(configError(`${MINIMAL}feeds:\n  icn: a.png\n`).problems).toEqual(["feeds.icn is not a setting; did you mean feeds.icon?"]);
    expect(configError(`${MINIMAL}feeds:\n  logos: a.png\n`).problems).toEqual(["feeds.logos is not a setting; did you mean feeds.logo?"]);
  });
});

describe("feeds.websub", () => {
  const websub = (yaml: string) => parseConfig(`${MINIMAL}feeds:\n  websub:\n${yaml}`).feeds.websub;
  const problems = (yaml: string) => configError(`${MINIMAL}feeds:\n  websub:\n${yaml}`).problems;

  it("is absent without hubs, so the configuration (and its hash in the index state) of such a site is as before", () => {
    expect(Object.keys(parseConfig(MINIMAL).feeds)).not.toContain("websub");
    expect(parseConfig(`${MINIMAL}feeds:\n  websub:\n`)).toEqual(parseConfig(MINIMAL));
    expect(parseConfig(`${MINIMAL}feeds:\n  websub:\n    hubs: []\n`)).toEqual(parseConfig(MINIMAL));
  });

  it("keeps every hub in order, each an absolute http(s) URL, serialised", () => {
    expect(websub("    hubs:\n      - https://pubsubhubbub.appspot.com\n      - HTTP://Hub.Example.com:8080/publish?site=财经&x=1\n")).toEqual({
      hubs: ["https://pubsubhubbub.appspot.com/", "http://hub.example.com:8080/publish?site=%E8%B4%A2%E7%BB%8F&x=1"],
    });
  });

  it.each([
    ["a relative path", "/hub"],
    ["another scheme", "ftp://hub.example.com/"],
    ["javascript:", '"javascript:alert(1)"'],
    ["text no URL parser accepts", "not a url"],
    ["a number", "42"],
    ["a mapping", "{ url: https://hub.example.com/ }"],
  ])("refuses %s, naming the hub", (_, value) => {
    expect(problems(`    hubs: [${value}]\n`)).toEqual([expect.stringMatching(/^feeds\.websub\.hubs\[0\] must be an absolute http\(s\) URL/)]);
  });

  it("refuses a hub with a user name or password, which every feed would show, a fragment, and a hub named twice", () => {
    expect(problems("    hubs: [https://hub.example.com/, https://u:p@hub.example.com/, https://hub.example.com/#x, HTTPS://HUB.example.com]\n")).toEqual([
      "feeds.websub.hubs[1] must not hold a user name or password: every feed shows its hubs' addresses",
      "feeds.websub.hubs[2] must not have a fragment (#…), which is never sent to the hub",
      'feeds.websub.hubs[3]: "https://hub.example.com/" is listed twice',
    ]);
  });

  it("refuses hubs that are not a list, and a websub that is not a mapping", () => {
    expect(problems("    hubs: https://hub.example.com/\n")).toEqual([expect.stringMatching(/^feeds\.websub\.hubs must be a list of hub URLs/)]);
    expect(configError(`${MINIMAL}feeds:\n  websub: https://hub.example.com/\n`).problems).toEqual(["feeds.websub must be a mapping with hubs, a list of hub URLs"]);
  });

  it("refuses an unknown key, suggesting the one meant, as under feeds", () => {
    expect(problems("    hub: [https://hub.example.com/]\n")).toEqual(["feeds.websub.hub is not a setting; did you mean feeds.websub.hubs?"]);
    expect(problems("    hubs: [https://hub.example.com/]\n    secret: s3cr3t\n")).toEqual(["feeds.websub.secret is not a setting; the settings here are hubs"]);
    expect(configError(`${MINIMAL}feeds:\n  websb:\n    hubs: []\n`).problems).toEqual(["feeds.websb is not a setting; did you mean feeds.websub?"]);
  });
});

describe("parseConfig: keys nobody reads", () => {
  const DECLARE = "list it in feeds.site_keys";

  it("refuses a misspelt setting at the top, suggesting the one meant, instead of building with defaults", () => {
    // A misspelt timezone used to build with exit 0 and every date in +0000.
    expect(configError(`${MINIMAL}timezon: Asia/Shanghai\n`).problems).toEqual([
      "timezon is not a setting; did you mean timezone? Fix it, or if it is the site's own (a theme's or a plugin's), list it in feeds.site_keys",
    ]);
    expect(configError(`${MINIMAL}Title: x\n`).problems[0]).toMatch(/^Title is not a setting; did you mean title\? /);
    // Jekyll's keys are suggested too, and feedpub's own settings written outside feeds:.
    expect(configError(`${MINIMAL}exlude: [vendor]\n`).problems[0]).toMatch(/^exlude is not a setting; did you mean exclude\? /);
    expect(configError(`${MINIMAL}summary_length: 80\nlimt: 5\n`).problems).toEqual([
      expect.stringMatching(/^summary_length is not a setting; did you mean feeds\.summary_length\? /),
      expect.stringMatching(/^limt is not a setting; did you mean feeds\.limit\? /),
    ]);
  });

  it("accepts Jekyll's own settings and its common plugins', since _config.yml is Jekyll's too", () => {
    const jekyll = `${MINIMAL}plugins: [jekyll-feed]\nexclude: [vendor]\nmarkdown: kramdown\nfeed: { path: atom.xml }\nauthors: { a: { name: A } }\ngoogle_site_verification: abc\ntagline: 财经\npaginate: 10\n`;
    expect(parseConfig(jekyll)).toEqual(parseConfig(MINIMAL));
  });

  it("refuses any other top-level key, naming it and the file, and saying how to keep it", () => {
    const e = configError(`${MINIMAL}google_analytics_id: G-1\nmenu: [首页]\n`, "site/_config.yml");
    expect(e.problems).toEqual([
      "google_analytics_id is not a setting of feedpub or Jekyll; check the spelling, or if it is the site's own (a theme's or a plugin's), list it in feeds.site_keys",
      "menu is not a setting of feedpub or Jekyll; check the spelling, or if it is the site's own (a theme's or a plugin's), list it in feeds.site_keys",
    ]);
    expect(e.file).toBe("site/_config.yml");
    expect(e.message).toMatch(/^site\/_config\.yml: .*google_analytics_id .*menu /s);
  });

  it("accepts the top-level keys the site declares in feeds.site_keys, and no others", () => {
    const declared = `${MINIMAL}google_analytics_id: G-1\nmenu: [首页]\nfeeds:\n  site_keys: [google_analytics_id, menu]\n`;
    expect(parseConfig(declared)).toEqual(parseConfig(MINIMAL));
    expect(configError(`${declared}social_links: []\n`).problems).toEqual([expect.stringMatching(/^social_links is not a setting of feedpub or Jekyll; .*list it in feeds\.site_keys$/)]);
    // A near miss of a declared key is suggested as a near miss of ours is.
    expect(configError(`${declared}menus: []\n`).problems[0]).toMatch(/^menus is not a setting; did you mean menu\? /);
  });

  it("is missing: then nothing but feedpub's and Jekyll's keys is accepted, and an empty list is the same", () => {
    expect(configError(`${MINIMAL}menu: []\n`).problems[0]).toContain(DECLARE);
    expect(configError(`${MINIMAL}menu: []\nfeeds:\n  site_keys: []\n`).problems[0]).toContain(DECLARE);
    expect(parseConfig(`${MINIMAL}feeds:\n  site_keys:\n`)).toEqual(parseConfig(MINIMAL));
  });

  it("refuses feeds.site_keys that is not a list of keys, or that lists one of feedpub's, naming the entry", () => {
    expect(configError(`${MINIMAL}menu: []\nfeeds:\n  site_keys: menu\n`).problems).toEqual([
      "feeds.site_keys must be a list of the site's own top-level keys, such as [google_analytics_id, menu], got \"menu\"",
      expect.stringMatching(/^menu is not a setting of feedpub or Jekyll/),
    ]);
    expect(configError(`${MINIMAL}feeds:\n  site_keys: { menu: true }\n`).problems).toEqual([expect.stringMatching(/^feeds\.site_keys must be a list .*got a mapping$/)]);
    expect(configError(`${MINIMAL}feeds:\n  site_keys: [menu, 42, "", [a], timezone]\n`).problems).toEqual([
      'feeds.site_keys[1] must be a top-level key of _config.yml, got "42"',
      'feeds.site_keys[2] must be a top-level key of _config.yml, got ""',
      "feeds.site_keys[3] must be a top-level key of _config.yml, got a list",
      "feeds.site_keys[4]: timezone is a setting feedpub reads; take it out of the list",
    ]);
    expect(configError(`${MINIMAL}feeds:\n  site_key: [menu]\n`).problems).toEqual(["feeds.site_key is not a setting; did you mean feeds.site_keys?"]);
  });

  it("refuses any unknown key under feeds and author, naming it and what was meant or what exists", () => {
    expect(configError(`${MINIMAL}feeds:\n  limt: 5\n`).problems).toEqual(["feeds.limt is not a setting; did you mean feeds.limit?"]);
    expect(configError(`${MINIMAL}feeds:\n  colour: red\n`).problems).toEqual([
      "feeds.colour is not a setting; the settings here are limit, permalink, categories, tags, authors, summary_length, url, limits, icon, logo, websub, content, archive, site_keys",
    ]);
    expect(configError(`${MINIMAL}author:\n  nmae: A\n  name: A\n`).problems).toEqual(["author.nmae is not a setting; did you mean author.name?"]);
  });

  it("does not let feeds.site_keys reach under feeds: declared keys are top-level ones", () => {
    expect(configError(`${MINIMAL}feeds:\n  site_keys: [colour]\n  colour: red\n`).problems).toEqual([expect.stringMatching(/^feeds\.colour is not a setting; the settings here are /)]);
  });
});

describe("feeds.authors", () => {
  it("keys author feed titles by feed name, and is absent when it names none", () => {
    const config = parseConfig(`${MINIMAL}feeds:\n  authors:\n    Jane Doe: Jane Doe\n    陈立: 证券时报记者 陈立\n`);
    expect(config.feeds.authors).toEqual({ "jane doe": "Jane Doe", 陈立: "证券时报记者 陈立" });
    expect(parseConfig(`${MINIMAL}feeds:\n  authors: {}\n`).feeds).not.toHaveProperty("authors");
    expect(parseConfig(MINIMAL).feeds).not.toHaveProperty("authors");
  });

  it("refuses a name no author feed could have, naming its key", () => {
    const e = configError(`${MINIMAL}feeds:\n  authors:\n    "A/B": x\n    feed.json: y\n    authors: z\n`);
    expect(e.problems).toHaveLength(2);
    expect(e.problems[0]).toMatch(/^feeds\.authors\.A\/B: "A\/B" cannot be an author name: it contains a path separator$/);
    expect(e.problems[1]).toMatch(/^feeds\.authors\.feed\.json: .*one of the output's own files/);
  });
});

describe("feeds.content", () => {
  const excerpt = (yaml: string) => parseConfig(`${MINIMAL}feeds:\n  content:${yaml}`).feeds.excerpt;

  it("is full for every feed by default, and then leaves the configuration as it was without it", () => {
    expect(parseConfig(MINIMAL).feeds).not.toHaveProperty("excerpt");
    expect(parseConfig(`${MINIMAL}feeds:\n  content: full\n`)).toEqual(parseConfig(MINIMAL));
    expect(parseConfig(`${MINIMAL}feeds:\n  content:\n    default: full\n    tags: full\n`)).toEqual(parseConfig(MINIMAL));
  });

  it("is one word for every feed, or by kind of feed over a default", () => {
    expect(excerpt(" excerpt\n")).toEqual(["site", "category", "tag", "author"]);
    expect(excerpt("\n    tags: excerpt\n    authors: excerpt\n")).toEqual(["tag", "author"]);
    expect(excerpt("\n    authors: excerpt\n    categories: excerpt\n")).toEqual(["category", "author"]);
    expect(excerpt("\n    default: excerpt\n    site: full\n")).toEqual(["category", "tag", "author"]);
  });

  it("refuses an unknown kind or mode, suggesting the one meant", () => {
    expect(configError(`${MINIMAL}feeds:\n  content: exerpt\n`).problems).toEqual(['feeds.content must be full or excerpt, got "exerpt"; did you mean excerpt?']);
    expect(configError(`${MINIMAL}feeds:\n  content:\n    tag: excerpt\n    site: true\n    colour: x\n`).problems).toEqual([
      "feeds.content.tag is not a setting; did you mean feeds.content.tags?",
      "feeds.content.colour is not a setting; the settings here are default, site, categories, tags, authors",
      'feeds.content.site must be full or excerpt, got "true"',
    ]);
    expect(configError(`${MINIMAL}feeds:\n  content: [site]\n`).problems).toEqual(["feeds.content must be full or excerpt, got a list"]);
  });
});

describe("feeds.archive", () => {
  const archive = (yaml: string) => parseConfig(`${MINIMAL}feeds:\n  archive:${yaml}`).feeds.archive;

  it("is off by default, and off leaves the configuration as it was without it", () => {
    expect(parseConfig(MINIMAL).feeds).not.toHaveProperty("archive");
    expect(parseConfig(`${MINIMAL}feeds:\n  archive: false\n`)).toEqual(parseConfig(MINIMAL));
  });

  it("is true for pages of 50 posts on average, or names its page size", () => {
    expect(archive(" true\n")).toEqual({ pageSize: 50 });
    expect(archive("\n    page_size: 20\n")).toEqual({ pageSize: 20 });
    expect(archive(" {}\n")).toEqual({ pageSize: 50 });
  });

  it("refuses another value, an unknown key, or a page size that is not a whole number from 1 to 1,000", () => {
    expect(configError(`${MINIMAL}feeds:\n  archive: yes please\n`).problems).toEqual([
      'feeds.archive must be true, false or a mapping such as {page_size: 50}, got "yes please"',
    ]);
    expect(configError(`${MINIMAL}feeds:\n  archive:\n    pagesize: 5\n`).problems).toEqual(["feeds.archive.pagesize is not a setting; did you mean feeds.archive.page_size?"]);
    expect(configError(`${MINIMAL}feeds:\n  archive:\n    page_size: 0\n`).problems).toHaveLength(1);
    expect(configError(`${MINIMAL}feeds:\n  archive:\n    page_size: 5000\n`).problems).toEqual(["feeds.archive.page_size must be at most 1,000 posts, got 5,000"]);
  });
});
