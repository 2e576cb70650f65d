/**
 * A run killed at any storage request, before or after the request took effect, followed by any
 * later change (restoring a post's earlier bytes included) and redelivery, must converge to the
 * bytes of a full rebuild. Each batch runs in a child process (test/support/crash-child.ts) on a
 * bucket folder and SIGKILLs itself at request K, for every K the uncut run makes and in both
 * positions. What the killed run left is then finished in this process, on a copy in memory (same
 * Storage contract, no disk round trips), and its feeds/ compared with a full build of its content/.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildAll } from "../../lib/publish/build-all.js";
import type { Change } from "../../lib/publish/publish-changes.js";
import { deliver } from "../support/deliver.js";
import { createFsStorage } from "../../lib/storage/fs.js";
import { createMemoryStorage, type MemoryStorage } from "../../lib/storage/memory.js";
import { prefixStorage } from "../../lib/storage/prefix.js";
import type { Storage } from "../../lib/storage/types.js";
import type { CrashRun, KillPosition } from "../support/crash-child.js";
import { SMALL_SITE_CONFIG } from "../support/small-site.js";

const NOW = new Date("2022-06-10T12:00:00+08:00");

const CONFIG = SMALL_SITE_CONFIG;

function post(title: string, day: number, categories: string[], tags: string[]): string {
  const date = `2022-05-${String(day).padStart(2, "0")} 08:00:00 +0800`;
  return `---\ntitle: "${title}"\ndate: ${date}\ncategories: [${categories.join(", ")}]\ntags: [${tags.join(", ")}]\n---\n<p>${title} 正文</p>\n`;
}

/** Keys under content/ → text; null removes the key. */
type Edits = Record<string, string | null>;

const SITE: Edits = {
  "_config.yml": CONFIG,
  "2022-05-01-a.md": post("A 银行", 1, ["bank"], ["银行"]),
  "2022-05-02-b.md": post("B 股市", 2, ["stock"], ["股市"]),
  "2022-05-03-c.md": post("C 银行 IPO", 3, ["bank"], ["银行", "IPO"]),
  "2022-05-04-d.md": post("D 股市", 4, ["stock"], ["股市"]),
  "2022-05-05-e.md": post("E IPO", 5, ["bank"], ["IPO"]),
  "2022-05-06-f.md": post("F 汽车", 6, ["auto"], ["股市"]),
};

interface Scenario {
  name: string;
  /** Applied to the fully built site before the batch runs: the author's edits the batch's events report. */
  batch: Edits;
  /** The author's next edits, delivered with the batch's redelivered events. */
  later: Edits;
  /** Work each invocation may spend on a rescan: small, so that one runs in many steps. */
  rescanWork?: number;
  /** The batch came full: its changes are held back, then published by the flush it sends. */
  more?: boolean;
  /** The site has archives (feeds.archive) throughout: the site is set up by a rescan, which builds them. */
  archived?: boolean;
}

const NEW_LIMITS = {
  batch: {
    "_config.yml": CONFIG.replace("feeds:\n", "feeds:\n  limits:\n    names_per_post: 10\n"),
    "2022-05-06-f.md": post("F 改为银行", 6, ["bank"], ["银行"]),
    "2022-05-03-c.md": null,
  },
  // An upload after the killed rescan: the deleted and the moved post come back, a new one arrives.
  later: {
    "2022-05-03-c.md": SITE["2022-05-03-c.md"]!,
    "2022-05-06-f.md": SITE["2022-05-06-f.md"]!,
    "2022-05-07-g.md": post("G 股市", 7, ["stock"], ["银行"]),
  },
} satisfies Omit<Scenario, "name">;

const INCREMENTAL = {
  batch: {
    "2022-05-06-f.md": post("F 改为银行", 6, ["bank"], ["银行"]),
    "2022-05-07-g.md": post("G 股市", 7, ["stock"], ["银行"]),
    "2022-05-03-c.md": null,
  },
  // The author puts everything back as it was.
  later: {
    "2022-05-06-f.md": SITE["2022-05-06-f.md"]!,
    "2022-05-07-g.md": null,
    "2022-05-03-c.md": SITE["2022-05-03-c.md"]!,
  },
} satisfies Omit<Scenario, "name">;

const SCENARIOS: Scenario[] = [
  {
    // f leaves auto (its only post, so that feed's files go) for bank under a new title, g is
    // new, c is deleted: seven feeds, the OPML and a dozen state objects change in one batch.
    name: "an incremental batch (move + retitle, create, delete)",
    ...INCREMENTAL,
  },
  {
    // The same batch arriving full: held in the site state, then published by its flush.
    name: "a held batch and its flush (move + retitle, create, delete)",
    ...INCREMENTAL,
    more: true,
  },
  {
    // New input limits may change which posts are accepted, so the run is a rescan of content/,
    // which also removes the emptied auto feed and the state of the deleted post.
    name: "a rescan (new input limits, with a move and a delete)",
    ...NEW_LIMITS,
  },
  {
    // The same, with a rescan too large for one invocation: scan, render and commit steps, each
    // delivered as a continuation (the child delivers them as the queue would), killed anywhere.
    name: "a rescan in steps (new input limits, with a move and a delete)",
    ...NEW_LIMITS,
    rescanWork: 3,
  },
  {
    // A new zone and feed length: every feed is chosen again from the post records and rendered
    // again, g's wall-clock date read in the new zone; the auto feed empties and goes.
    name: "every feed chosen again (new zone and feed length, with a move and a create)",
    batch: {
      "_config.yml": CONFIG.replace("Asia/Shanghai", "Europe/London").replace("limit: 3", "limit: 2"),
      "2022-05-06-f.md": post("F 改为银行", 6, ["bank"], ["银行"]),
      "2022-05-07-g.md": post("G 股市", 7, ["stock"], ["银行"]).replace(" +0800", ""),
    },
    later: {
      "_config.yml": CONFIG,
      "2022-05-06-f.md": SITE["2022-05-06-f.md"]!,
      "2022-05-07-g.md": null,
    },
  },
];

/** The scenario with archives in every configuration it goes through: pages of two posts on average. */
function archived(scenario: Scenario): Scenario {
  const withArchive = (edits: Edits): Edits =>
    Object.fromEntries(Object.entries(edits).map(([key, text]) => [key, key === "_config.yml" && text !== null ? text.replace("feeds:\n", "feeds:\n  archive:\n    page_size: 2\n") : text]));
  return { ...scenario, name: `with archives, ${scenario.name}`, batch: withArchive(scenario.batch), later: withArchive(scenario.later), archived: true };
}

SCENARIOS.push(
  // Pages change as f moves between feeds, g pushes a post down into the archive and c leaves it.
  archived(SCENARIOS[0]!),
  // A configuration change with archives is a rescan, whose archive steps are killed too.
  { ...archived(SCENARIOS[3]!), rescanWork: 40 },
);

const VARIANTS = ["redelivery", "later change"] as const;
type Variant = (typeof VARIANTS)[number];

const eventsOf = (edits: Edits): Change[] => Object.entries(edits).map(([key, text]) => ({ key, removed: text === null }));

async function applyEdits(bucket: Storage, edits: Edits): Promise<void> {
  for (const [key, text] of Object.entries(edits)) {
    if (text === null) await bucket.delete(`content/${key}`);
    else await bucket.put(`content/${key}`, text);
  }
}

/** Every object under a prefix, by key. */
type Files = Map<string, Uint8Array>;

async function readAll(storage: Storage, prefix = ""): Promise<Files> {
  const keys = await storage.list(prefix);
  const bodies = await Promise.all(keys.map((key) => storage.get(key)));
  return new Map(keys.map((key, i) => [key, bodies[i]!]));
}

async function copyInto<S extends Storage>(storage: S, files: Files): Promise<S> {
  await Promise.all([...files].map(([key, body]) => storage.put(key, body)));
  return storage;
}

const memoryWith = (files: Files): Promise<MemoryStorage> => copyInto(createMemoryStorage(), files);

/** feeds/ as text, by key. */
type Tree = Map<string, string>;

async function feedsTree(storage: Storage): Promise<Tree> {
  const files = await readAll(storage, "feeds/");
  return new Map([...files].map(([key, body]) => [key, Buffer.from(body).toString("utf8")]));
}

// Every kill point of a variant ends with the same content/, so each full build is made once.
const fullBuilds = new Map<string, Promise<Tree>>();

/** What a full build of the bucket's content/ into fresh storage gives. */
async function fullBuildOf(bucket: Storage): Promise<Tree> {
  const content = await readAll(bucket, "content/");
  const id = JSON.stringify([...content].map(([key, body]) => [key, Buffer.from(body).toString("base64")]));
  let tree = fullBuilds.get(id);
  if (!tree) {
    tree = (async () => {
      const fresh = await memoryWith(content);
      await buildAll({ content: prefixStorage(fresh, "content/"), output: fresh, now: NOW });
      return feedsTree(fresh);
    })();
    fullBuilds.set(id, tree);
  }
  return tree;
}

/** Counts the writes (puts and deletes) that reach feeds/ and state/. */
function countingWrites(storage: Storage): { storage: Storage; writes: string[] } {
  const writes: string[] = [];
  const note = (op: string, key: string) => {
    if (key.startsWith("feeds/") || key.startsWith("state/")) writes.push(`${op} ${key}`);
  };
  return {
    writes,
    storage: {
      ...storage,
      put: async (key, body, options) => (note("put", key), storage.put(key, body, options)),
      delete: async (key) => (note("delete", key), storage.delete(key)),
    },
  };
}

/** Named full builds a wrong file is compared with, to say whose bytes it holds. */
type References = [label: string, tree: Tree][];

const FEED_FILES = ["rss.xml", "atom.xml", "feed.json", "index.html", "autodiscovery.html"];

/** "feeds/bank/rss.xml, …, feeds/bank/autodiscovery.html" (every file of the folder) → "feeds/bank/*". */
function shorten(keys: string[]): string {
  const byDir = new Map<string, string[]>();
  for (const key of keys) {
    const dir = key.slice(0, key.lastIndexOf("/"));
    byDir.set(dir, [...(byDir.get(dir) ?? []), key]);
  }
  return [...byDir]
    .flatMap(([dir, inDir]) => (FEED_FILES.every((name) => inDir.includes(`${dir}/${name}`)) && inDir.length === FEED_FILES.length ? [`${dir}/*`] : inDir))
    .join(", ");
}

/** The files that differ, grouped by what they hold instead of the expected bytes. */
function describeDiff(actual: Tree, expected: Tree, references: References): string[] {
  const whose = (key: string, bytes: string) =>
    references.find(([, tree]) => tree.get(key) === bytes)?.[0] ?? "bytes of no full build";
  const groups = new Map<string, string[]>();
  for (const key of [...new Set([...actual.keys(), ...expected.keys()])].sort()) {
    const got = actual.get(key);
    const want = expected.get(key);
    if (got === want) continue;
    const problem =
      got === undefined ? "missing" : want === undefined ? `left over (${whose(key, got)})` : `stale (${whose(key, got)}, not ${whose(key, want)})`;
    groups.set(problem, [...(groups.get(problem) ?? []), key]);
  }
  return [...groups].map(([problem, keys]) => `${problem}: ${shorten(keys)}`);
}

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function runChild(script: string, run: CrashRun): Promise<ChildExit> {
  return new Promise((resolve, reject) => {
    // Interpreted only: a short run spends most of its CPU compiling code it runs once, jitless half as much.
    const child = spawn(process.execPath, ["--jitless", script, JSON.stringify(run)], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** The request the child named as it killed itself. */
function requestNamed(exit: ChildExit): string {
  try {
    const { op, key } = JSON.parse(exit.stderr.trim().split("\n").pop() ?? "") as { op: string; key: string };
    return `${op} ${key}`;
  } catch {
    return "request unknown";
  }
}

/** Runs `fn` over `items` with at most `limit` in flight, keeping input order in the result. */
async function pool<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface Outcome {
  /** "uncut", or "K=12 after (put feeds/bank/rss.xml)". */
  label: string;
  killAt?: number;
  exit: ChildExit;
  problems: Record<Variant, string[]>;
}

let work = "";
let childScript = "";
let buckets = 0;
const tally = { tried: 0, converged: 0 };

beforeAll(async () => {
  // Hundreds of small buckets are written and removed: in memory (tmpfs) where the system has one.
  work = await mkdtemp(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "feedpub-crash-"));
  childScript = join(work, "crash-child.mjs");
  // One bundle, so each kill point costs a plain node start rather than a TypeScript loader.
  await build({
    entryPoints: [fileURLToPath(new URL("../support/crash-child.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    outfile: childScript,
    logLevel: "warning",
    // The CommonJS dependencies inside the ESM bundle still require Node's built-ins.
    banner: { js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);' },
  });
});

afterAll(async () => {
  console.log(`kill points: ${tally.tried} tried, ${tally.converged} converged`);
  if (work) await rm(work, { recursive: true, force: true });
});

describe.each(SCENARIOS)("a run killed at any storage request: $name", (scenario) => {
  const batchEvents = eventsOf(scenario.batch);
  const laterEvents = [...batchEvents, ...eventsOf(scenario.later)];
  const steps = scenario.rescanWork !== undefined ? { rescanWork: scenario.rescanWork } : {};
  const references: References = [];
  let prepared: Files;
  let uncut: Outcome;
  let requests = 0;
  let kills: Outcome[] = [];

  /** Delivers the batch again (after the author's later edits, for that variant) and checks the result. */
  async function finish(killed: Files, variant: Variant): Promise<string[]> {
    const bucket = await memoryWith(killed);
    if (variant === "later change") await applyEdits(bucket, scenario.later);
    const changes = variant === "later change" ? laterEvents : batchEvents;
    try {
      await deliver({ bucket, now: NOW, ...steps }, changes, scenario.more ? { more: true } : {});
      const problems = describeDiff(await feedsTree(bucket), await fullBuildOf(bucket), references);
      // Replayed alone, not held: holding a batch writes the site state twice (held, then applied).
      const replay = countingWrites(bucket);
      await deliver({ bucket: replay.storage, now: NOW, ...steps }, changes);
      if (replay.writes.length > 0) problems.push(`a replay of the same events wrote: ${replay.writes.join(", ")}`);
      return problems;
    } catch (error) {
      return [`redelivery threw ${String(error)}`];
    }
  }

  /** Runs the batch in a child on a copy of the prepared bucket, killed at (killAt, position) if given. */
  async function runPoint(killAt?: number, position?: KillPosition): Promise<Outcome> {
    const dir = join(work, `bucket-${buckets++}`);
    const folder = await copyInto(createFsStorage({ base: dir }), prepared);
    const run: CrashRun = { bucket: dir, now: NOW.toISOString(), changes: batchEvents, ...steps, ...(scenario.more ? { more: true } : {}), ...(killAt !== undefined ? { killAt, position } : {}) };
    const exit = await runChild(childScript, run);
    // Temp files of puts cut short are the fs driver's own, never listed: S3 has none.
    const killed = await readAll(folder);
    await rm(dir, { recursive: true, force: true });
    const problems = { redelivery: await finish(killed, "redelivery"), "later change": await finish(killed, "later change") };
    const label = killAt === undefined ? "uncut" : `K=${killAt} ${position} (${requestNamed(exit)})`;
    return { label, exit, problems, ...(killAt !== undefined ? { killAt } : {}) };
  }

  beforeAll(async () => {
    const setup = createMemoryStorage();
    await applyEdits(setup, scenario.archived ? archived({ name: "", batch: SITE, later: {} }).batch : SITE);
    if (scenario.archived) await deliver({ bucket: setup, now: NOW, rescanWork: Infinity }, [], { rebuild: true });
    else await buildAll({ content: prefixStorage(setup, "content/"), output: setup, state: setup, now: NOW });
    references.push(["the bytes before the batch", await feedsTree(setup)]);
    await applyEdits(setup, scenario.batch);
    prepared = await readAll(setup);
    references.push(["the killed batch's bytes", await fullBuildOf(setup)]);
    await applyEdits(setup, scenario.later);
    references.push(["the later change's bytes", await fullBuildOf(setup)]);

    uncut = await runPoint();
    requests = (JSON.parse(uncut.exit.stdout || "{}") as { requests?: number }).requests ?? 0;
    const points = Array.from({ length: requests }, (_, k) => [[k, "before"], [k, "after"]] as const).flat();
    // The children run in parallel; this process checks each killed bucket as soon as it is back.
    kills = await pool([...points], availableParallelism(), ([k, position]) => runPoint(k, position));
    for (const kill of kills) {
      tally.tried++;
      if (VARIANTS.every((v) => kill.problems[v].length === 0)) tally.converged++;
    }
  }, 300_000);

  it("runs to completion uncut, and really dies at every kill point", () => {
    expect(uncut.exit, `the uncut run failed: ${uncut.exit.stderr}`).toMatchObject({ code: 0, signal: null });
    expect(requests).toBeGreaterThan(10);
    const survived = kills.filter((k) => k.exit.signal !== "SIGKILL" || !k.exit.stderr.includes(`"index":${k.killAt},`));
    expect(survived.map((k) => `${k.label}: exit ${k.exit.code} ${k.exit.signal} ${k.exit.stderr}`)).toEqual([]);
  });

  it.each(VARIANTS)("converges to a full rebuild after a %s, and a replay then writes nothing", (variant: Variant) => {
    const failures = [uncut, ...kills].filter((o) => o.problems[variant].length > 0).map((o) => `${o.label}: ${o.problems[variant].join("; ")}`);
    console.log(`${scenario.name}, ${variant}: ${kills.length} kill points, ${failures.length} failing`);
    expect(failures).toEqual([]);
  });
});
