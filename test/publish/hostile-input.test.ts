/**
 * Hostile front matter, names, bodies and bytes among good posts (test/publish/hostile-posts.ts):
 * no build or batch crashes, every good post is published in each of its feeds, every hostile one
 * is rejected for a named reason and shown nowhere or published safely, the incremental path gives
 * the full build's bytes, and every output file is valid. Seeded and replayable; the coverage of
 * each hostile kind is printed and asserted.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { requireTool } from "../support/validators.js";
import { HOSTILE_KINDS, postSet } from "./hostile-posts.js";
import { buildFull, checkSite, emptyCoverage, printCoverage } from "./hostile-site.js";
import { validateTree } from "./tree-validators.js";
import { FC_SEED } from "../support/fast-check-seed.js";

// Replay a failure with FC_SEED=<n> (printed below); the validator property uses the next seed.
const SEED = FC_SEED;
const REPLAY = `FC_SEED=${SEED} npx vitest run test/publish/hostile-input.test.ts`;

describe("hostile posts among good ones", () => {
  it("never crash a build, leave good posts published, every file valid and incremental equal to full (in-process checks, 200 runs)", async () => {
    console.info(`[hostile-input] seed ${SEED}; replay: ${REPLAY}`);
    const coverage = emptyCoverage();
    try {
      await fc.assert(
        fc.asyncProperty(postSet, async (posts) => {
          await checkSite(posts, coverage);
        }),
        { seed: SEED, numRuns: 200 },
      );
    } finally {
      // Also on failure: it shows which kinds the run had reached, shrinking included.
      printCoverage("200 runs, in-process checks", coverage, SEED, REPLAY);
    }
    // The property is only as good as the cases it reached.
    expect(HOSTILE_KINDS.filter((k) => coverage[k].generated === 0), "kinds never generated").toEqual([]);
  }, 120_000);

  // jing and feedparser start a JVM or Python per call (over a second here), so each run checks
  // three sites with one call of each: 27 sites in 9 runs. The first property has compared each
  // path's bytes already; here the full build's files go to the validators.
  it("give files that xmllint, jing with RFC 4287's schema, feedparser and the JSON Feed schema accept (27 sites)", async () => {
    const reached = new Set<string>();
    let sites = 0;
    let files = 0;
    await fc.assert(
      fc.asyncProperty(fc.tuple(postSet, postSet, postSet), async (tuple) => {
        const all = new Map<string, string>();
        for (const [n, posts] of tuple.entries()) {
          for (const [key, body] of (await buildFull(posts)).files) all.set(`site ${n + 1}: ${key}`, body);
          for (const p of posts) reached.add(p.kind);
        }
        expect(await validateTree(all)).toEqual([]);
        sites += tuple.length;
        files += all.size;
      }),
      // Shrinking calls the validators again for every candidate: bounded, so a failure reports in time.
      { seed: SEED + 1, numRuns: 9, interruptAfterTimeLimit: 50_000 },
    );
    console.info(`[hostile-input] ${sites} sites, ${files} files through the external validators, ${reached.size - 1} of ${HOSTILE_KINDS.length} hostile kinds among them (seed ${SEED + 1}; replay: ${REPLAY})`);
    expect(sites, "sites validated before the time limit").toBe(27);
  }, 120_000);

  it.skipIf(!(["xmllint", "jing", "feedparser"] as const).every((t) => requireTool(t)))("the tree validators catch a broken feed of each format", async () => {
    const problems = await validateTree(
      new Map([
        ["feeds/atom.xml", '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title></feed>'],
        ["feeds/rss.xml", '<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item><title>x &amp y</title></item></channel></rss>'],
        ["feeds/feed.json", '{"version":"https://jsonfeed.org/version/1.1","items":[{}]}'],
      ]),
    );
    for (const file of ["feeds/atom.xml: jing", "feeds/rss.xml: xmllint", "feeds/rss.xml: feedparser", "feeds/feed.json: "]) {
      expect(problems.some((p) => p.startsWith(file)), `${file} in ${JSON.stringify(problems)}`).toBe(true);
    }
  }, 60_000);
});
