import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../lib/config.js";
import { htmlToText, renderBody } from "../../lib/feeds/render-body.js";
import { stripXmlForbidden, truncateGraphemes } from "../../lib/text.js";
import { absolutize } from "../../lib/urls.js";
import { parsePost } from "../../lib/posts/parse-post.js";
import type { Post } from "../../lib/posts/post.js";
import { CONTENT_DIR, graphemes } from "./helpers.js";
import { POST_URL, postOf } from "./post-fixture.js";



const html = (body: string, extra: Partial<Post> = {}) => renderBody(postOf(body, extra), 200).html;

/** Every URL-valued attribute in the HTML, with its name. */
function urls(rendered: string): { attr: string; url: string }[] {
  return [...rendered.matchAll(/\b(href|src|poster|cite|srcset)="([^"]*)"/g)].flatMap(([, attr, value]) =>
    attr === "srcset"
      ? value!.split(",").map((c) => ({ attr: attr!, url: c.trim().split(/\s+/)[0]! }))
      : [{ attr: attr!, url: value! }],
  );
}

describe("the seed post (Markdown with inline HTML)", () => {
  const config = parseConfig(readFileSync(path.join(CONTENT_DIR, "_config.yml"), "utf8"));
  const key = "2022-05-20-jiangxi-bank.md";
  const seed = parsePost(key, readFileSync(path.join(CONTENT_DIR, key), "utf8"), config);
  const { html: rendered, summary } = renderBody(seed, config.feeds.summaryLength);

  it("keeps the inline HTML paragraphs", () => {
    expect(rendered).toContain("<p>“以昂扬斗志全力强攻二季度、确保双过半");
    expect(rendered).toContain("<p>（文章来源：北京商报）</p>");
    expect(rendered).not.toContain("&lt;p&gt;");
  });

  it("turns the CommonMark autolink <http://…> into a link", () => {
    const url = "http://finews.zning.xyz/html_News/NewsShare.html?infoCode=NW202205202385376118";
    expect(rendered).toContain(`<a href="${url}">${url}</a>`);
  });

  it("makes the protocol-relative [返回…](//finews.withounder.com/…) links absolute https", () => {
    expect(rendered).toContain('<a href="https://finews.withounder.com/category/beijingshangbao.html">返回北京商报新闻</a>');
    expect(rendered).toContain('<a href="https://finews.withounder.com/">返回首页</a>');
    expect(rendered).not.toMatch(/(href|src)="\/\//);
  });

  it("summarises as plain text of at most summary_length characters plus an ellipsis", () => {
    expect(config.feeds.summaryLength).toBe(200);
    expect(summary).not.toMatch(/[<>]/);
    expect(graphemes(summary)).toHaveLength(201);
    expect(summary.endsWith("…")).toBe(true);
    expect(summary.startsWith("“以昂扬斗志全力强攻二季度")).toBe(true);
  });
});

describe("URLs are made absolute against the post's own URL", () => {
  it.each([
    ['<img src="/images/x.jpg">', "https://news.example.com/images/x.jpg"],
    ['<a href="../x">up</a>', "https://news.example.com/bank/2022/05/x"],
    ['<a href="x.html">same folder</a>', "https://news.example.com/bank/2022/05/20/x.html"],
    ['<a href="?page=2">query</a>', "https://news.example.com/bank/2022/05/20/rate-cut.html?page=2"],
    ['<img src="//cdn.example.com/a.png">', "https://cdn.example.com/a.png"],
    ['<a href="//finews.withounder.com/">home</a>', "https://finews.withounder.com/"],
    ['<video poster="poster.jpg" controls></video>', "https://news.example.com/bank/2022/05/20/poster.jpg"],
    ['<video src="/v/clip.mp4"></video>', "https://news.example.com/v/clip.mp4"],
    ['<blockquote cite="/sources/1">q</blockquote>', "https://news.example.com/sources/1"],
    ['<a href="https://other.example.org/a?b=1&amp;c=2">abs</a>', "https://other.example.org/a?b=1&amp;c=2"],
  ])("%s → %s", (body, expected) => {
    expect(urls(html(body)).map((u) => u.url)).toEqual([expected]);
  });

  it("resolves Markdown links and images the same way", () => {
    const rendered = renderBody(postOf("[图](/images/a.jpg) ![b](b.png) [c](//cdn.example.com/c)", { format: "markdown" }), 200).html;
    expect(urls(rendered).map((u) => u.url)).toEqual([
      "https://news.example.com/images/a.jpg",
      "https://news.example.com/bank/2022/05/20/b.png",
      "https://cdn.example.com/c",
    ]);
  });

  it("absolutises every srcset candidate and keeps its descriptor", () => {
    const rendered = html('<img src="/a-320.jpg" srcset="/a-320.jpg 320w, a-640.jpg 640w, //cdn.example.com/a-1280.jpg 1280w">');
    expect(rendered).toContain(
      'srcset="https://news.example.com/a-320.jpg 320w, https://news.example.com/bank/2022/05/20/a-640.jpg 640w, https://cdn.example.com/a-1280.jpg 1280w"',
    );
  });

  it("absolutises srcset on <source> inside <picture>", () => {
    const rendered = html('<picture><source srcset="x.webp 1x, /x@2.webp 2x" type="image/webp"><img src="x.jpg"></picture>');
    expect(urls(rendered).map((u) => u.url)).toEqual([
      "https://news.example.com/bank/2022/05/20/x.webp",
      "https://news.example.com/x@2.webp",
      "https://news.example.com/bank/2022/05/20/x.jpg",
    ]);
  });

  it("leaves fragment links, mailto: and absolute URLs alone", () => {
    expect(urls(html('<a href="#notes">n</a><a href="mailto:desk@example.com">m</a>')).map((u) => u.url)).toEqual([
      "#notes",
      "mailto:desk@example.com",
    ]);
  });

  it("absolutize() itself: relative, root-relative and protocol-relative", () => {
    expect(absolutize("x.jpg", POST_URL)).toBe("https://news.example.com/bank/2022/05/20/x.jpg");
    expect(absolutize(" /x.jpg ", POST_URL)).toBe("https://news.example.com/x.jpg");
    expect(absolutize("//h.example.com/p", "http://plain.example.com/")).toBe("https://h.example.com/p");
  });

  it("leaves no relative URL in a body that mixes them all", () => {
    const rendered = html(
      '<p><a href="a.html">a</a><img src="../i.png" srcset="i.png 1x, /i2.png 2x"><video poster="p.jpg" src="//v.example.com/v.mp4"></video></p>',
    );
    for (const { attr, url } of urls(rendered)) expect(url, attr).toMatch(/^https:\/\//);
  });
});

describe("sanitising", () => {
  it("removes <script> with its content", () => {
    const rendered = html('<p>前</p><script>alert("pwned")</script><p>后</p>');
    expect(rendered).toBe("<p>前</p><p>后</p>");
  });

  it("removes onerror and onclick attributes but keeps the elements", () => {
    const rendered = html('<img src="/x.jpg" onerror="alert(1)"><p onclick="steal()">文字</p>');
    expect(rendered).not.toMatch(/onerror|onclick|alert|steal/);
    expect(rendered).toContain('<img src="https://news.example.com/x.jpg" />');
    expect(rendered).toContain("<p>文字</p>");
  });

  it.each([
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "jav&#x61;script:alert(1)",
    "&#106;avascript:alert(1)",
    "&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)",
    "java&#x09;script:alert(1)",
    "java&Tab;script:alert(1)",
  ])("drops the href %s and keeps the link text", (href) => {
    const rendered = html(`<a href="${href}">点我</a>`);
    expect(rendered).toBe("<a>点我</a>");
  });

  it("drops javascript: in src too", () => {
    expect(html('<img src="javascript:alert(1)">')).not.toMatch(/javascript/i);
  });

  it("drops <iframe> and <style> elements", () => {
    const rendered = html('<p>a</p><iframe src="https://evil.example.com/"></iframe><style>p { display: none }</style><p>b</p>');
    expect(rendered).toBe("<p>a</p><p>b</p>");
  });
});

describe("characters XML cannot hold", () => {
  it.each(["&#x1;", "&#1;", "&#x0B;", "&#xC;", "&#27;", "&#xFFFE;", "&#xFFFF;"])("are removed when a body names them by reference (%s)", (ref) => {
    const body = `<p>a${ref}b<img alt="x${ref}y" src="https://img.example.com/a.png"></p>`;
    for (const rendered of [renderBody(postOf(body), 200), renderBody(postOf(body, { format: "markdown" }), 200), renderBody(postOf(body, { description: `d${ref}e` }), 200)]) {
      expect(rendered.html).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
      expect(rendered.summary).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/);
    }
    expect(renderBody(postOf(body), 200).html).toBe('<p>ab<img alt="xy" src="https://img.example.com/a.png" /></p>');
  });
});

describe("the summary", () => {
  it("is plain text: no tags, entities decoded", () => {
    const { summary } = renderBody(postOf("<p>AT&amp;T <b>加息</b> &lt;25&gt; &#x4E2D;&nbsp;文</p>"), 200);
    expect(summary).toBe("AT&T 加息 <25> 中 文");
  });

  it("joins paragraphs and list items with spaces", () => {
    expect(renderBody(postOf("<p>第一段</p><p>第二段</p><ul><li>甲</li><li>乙</li></ul>"), 200).summary).toBe("第一段 第二段 甲 乙");
  });

  it("is the whole text, without an ellipsis, when it fits", () => {
    expect(renderBody(postOf("<p>短文</p>"), 2).summary).toBe("短文");
  });

  it("is cut at summary_length characters with an ellipsis", () => {
    expect(renderBody(postOf("<p>一二三四五六</p>"), 4).summary).toBe("一二三四…");
  });

  it("never splits an emoji or a CJK character (300 of them)", () => {
    const units = ["中", "👍🏽", "👨‍👩‍👧‍👦", "🇨🇳", "é", "字"];
    const text = Array.from({ length: 300 }, (_, i) => units[i % units.length]).join("");
    expect(graphemes(text)).toHaveLength(300);
    const { summary } = renderBody(postOf(`<p>${text}</p>`), 200);
    expect(summary).toBe(`${graphemes(text).slice(0, 200).join("")}…`);
    // No lone surrogate at the cut.
    expect(summary).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/);
  });

  it("uses the front-matter description when given", () => {
    const { summary, html: rendered } = renderBody(postOf("<p>正文很长很长</p>", { description: "编辑写的摘要" }), 200);
    expect(summary).toBe("编辑写的摘要");
    expect(rendered).toBe("<p>正文很长很长</p>");
  });

  it("cuts a long description too", () => {
    expect(renderBody(postOf("<p>x</p>", { description: "一二三四五六七八" }), 5).summary).toBe("一二三四五…");
  });

  it("leaves out script and style text", () => {
    expect(renderBody(postOf("<p>可见</p><script>var hidden = 1</script>"), 200).summary).toBe("可见");
  });
});

describe("htmlToText", () => {
  it("joins paragraphs with spaces", () => {
    expect(htmlToText("<p>一</p><p>二</p><p>三</p>")).toBe("一 二 三");
  });

  it("folds whitespace and line breaks", () => {
    expect(htmlToText("<p>a\n  b</p>\n\n<p>c<br>d</p>")).toBe("a b c d");
  });

  it("decodes entities and drops tags", () => {
    expect(htmlToText("<h2>标题</h2><p>AT&amp;T &lt;b&gt; &quot;引号&quot; &#39;单&#39; &amp;lt; <em>强调</em></p>")).toBe(
      `标题 AT&T <b> "引号" '单' &lt; 强调`,
    );
  });

  it("keeps inline elements' text together", () => {
    expect(htmlToText("<p>加<b>息</b>了</p>")).toBe("加息了");
  });
});

describe("the summary of a body, made from its start when that is enough", () => {
  // Pieces that matter to the text: tags that become spaces or nothing, entities, white space,
  // characters of several code units and clusters of several characters, and characters XML forbids.
  const pieces = [
    "<p>", "</p>", "<br>", "<li>", "<b>粗</b>", "<img src=\"/x.png\" alt=\"a<b\">", "<script>x()</script>", "<span>", "</span>",
    "a", "文字", " ", "  ", "\n", "\t", "&amp;", "&lt;", "&gt;", "&quot;", "&#39;", "&nbsp;", "&#x1;", "&#xD800;",
    "👍🏽", "e\u0301", "🇨🇳", "🇨", "\u200d", "👩\u200d💻", "\u3000", "…", "x".repeat(30), "长".repeat(25),
  ];
  const body = fc.array(fc.constantFrom(...pieces), { maxLength: 120 }).map((p) => p.join(""));

  it("is the summary of the whole body, for any body and length", () => {
    fc.assert(
      fc.property(body, fc.integer({ min: 1, max: 12 }), fc.constantFrom<Post["format"]>("html", "markdown"), (text, length, format) => {
        const rendered = renderBody(postOf(text, { format }), length);
        expect(rendered.summary).toBe(truncateGraphemes(stripXmlForbidden(htmlToText(rendered.html)), length));
      }),
      { numRuns: 3000 },
    );
  });
});
