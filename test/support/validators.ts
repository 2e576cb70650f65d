/**
 * Independent checks for generated feeds: external validators (xmllint, jing, Python feedparser),
 * JSON Schema for JSON Feed, and two JavaScript feed readers to read items back.
 * Every check takes the feed text and returns `{ ok, problems }`; a missing tool throws.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseFeed } from "@rowanmanning/feed-parser";
import { Ajv, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import jsonFeedSchema from "jsonfeed-schema/schema-v1.1.json" with { type: "json" };
import RssParser from "rss-parser";

export interface ValidationResult {
  ok: boolean;
  problems: string[];
}

export type ToolName = "xmllint" | "jing" | "feedparser";
export type ToolStatus = Record<ToolName, boolean>;

/** Items read back by a feed reader, reduced to what the tests compare. */
export interface ParsedItem {
  id: string | null;
  title: string | null;
  link: string | null;
  /** ISO 8601 when the reader parsed the date, otherwise the raw string. */
  date: string | null;
  content: string | null;
}

export interface ParsedFeed {
  title: string | null;
  items: ParsedItem[];
}

/** What Python feedparser makes of a feed. */
export interface FeedparserResult {
  bozo: number;
  bozoException: string | null;
  /** e.g. "rss20", "atom10"; "" when feedparser did not recognise the format. */
  version: string;
  encoding: string | null;
  feed: {
    title: string | null;
    subtitle: string | null;
    link: string | null;
    id: string | null;
    language: string | null;
    updated: string | null;
  };
  entries: {
    title: string | null;
    link: string | null;
    id: string | null;
    /** The raw string from the feed (pubDate / published), not feedparser's parsed tuple. */
    published: string | null;
    updated: string | null;
    /** content[0].value, else summary. */
    content: string | null;
  }[];
}

export const repoRoot = path.resolve(fileURLToPath(import.meta.url), "..", "..", "..");
// Kept in the repository, so a clone anywhere validates Atom with nothing beside it.
export const atomSchemaPath = path.resolve(repoRoot, "test", "fixtures", "schemas", "atom.rnc");
export const JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1";
export const INSTALL_HINT = "apt-get install -y jing python3-feedparser libxml2-utils";

// Debian's python3-feedparser is only importable by the system interpreter, not a pyenv python3 on PATH.
const SYSTEM_PYTHON = "/usr/bin/python3";

// ---------------------------------------------------------------------------------------------
// Tool discovery

let cachedStatus: ToolStatus | undefined;

/** Which external tools are present; probed once per process. */
export function toolStatus(): ToolStatus {
  cachedStatus ??= {
    xmllint: probe("xmllint", ["--version"]),
    jing: probe("jing", []) && existsSync(atomSchemaPath),
    feedparser: probe(SYSTEM_PYTHON, ["-c", "import feedparser"]),
  };
  return cachedStatus;
}

function probe(command: string, args: string[]): boolean {
  const result = spawnSync(command, args, { stdio: "ignore", timeout: 20_000 });
  // jing with no arguments prints usage and exits non-zero; only "not found" means absent.
  if (command === "jing") return result.error === undefined;
  return result.error === undefined && result.status === 0;
}

export function missingToolMessage(name: ToolName): string {
  const what = name === "feedparser" ? `${SYSTEM_PYTHON} with "import feedparser"` : name;
  const extra = name === "jing" && !existsSync(atomSchemaPath) ? ` (or the schema ${atomSchemaPath} is missing)` : "";
  return `[validators] ${what} is not available${extra}; install with: ${INSTALL_HINT}`;
}

/**
 * For tests: true when the tool is present. When it is missing, fails the run under CI
 * (CI=true) and otherwise returns false so the caller can skip with `missingToolMessage(name)`.
 */
export function requireTool(
  name: ToolName,
  options: { env?: NodeJS.ProcessEnv; status?: ToolStatus } = {},
): boolean {
  const { env = process.env, status = toolStatus() } = options;
  if (status[name]) return true;
  if (env.CI === "true") throw new Error(missingToolMessage(name));
  return false;
}

// ---------------------------------------------------------------------------------------------
// External validators

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(tool: ToolName, command: string, args: string[], input?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", (error: NodeJS.ErrnoException) => {
      reject(error.code === "ENOENT" ? new Error(missingToolMessage(tool), { cause: error }) : error);
    });
    child.on("close", (code) => {
      resolve({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") });
    });
    // The child may exit before reading stdin (e.g. a usage error); that is reported via its exit code.
    child.stdin.on("error", () => {});
    child.stdin.end(input ?? "");
  });
}

function lines(text: string): string[] {
  return text.split("\n").map((line) => line.trimEnd()).filter((line) => line !== "");
}

/** `xmllint --noout -`: is the text well-formed XML? */
export async function checkXmlWellFormed(xml: string): Promise<ValidationResult> {
  const { code, stderr } = await run("xmllint", "xmllint", ["--noout", "--nonet", "-"], xml);
  const problems = lines(stderr);
  if (code !== 0 && problems.length === 0) problems.push(`xmllint exited with code ${code}`);
  return { ok: code === 0 && problems.length === 0, problems };
}

/** `jing -c atom.rnc`: is the text valid against RFC 4287's RELAX NG grammar? */
export async function checkAtomWithJing(xml: string): Promise<ValidationResult> {
  if (!existsSync(atomSchemaPath)) throw new Error(missingToolMessage("jing"));
  const dir = await mkdtemp(path.join(tmpdir(), "feedpub-jing-"));
  const file = path.join(dir, "feed.atom");
  try {
    await writeFile(file, xml, "utf8");
    const { code, stdout, stderr } = await run("jing", "jing", ["-c", atomSchemaPath, file]);
    // Debian's java-wrappers launcher warns about optional jars on every run, even for valid input.
    const launcherNoise = /^\[warning\] .*Unable to locate /;
    const output = [...lines(stdout), ...lines(stderr).filter((line) => !launcherNoise.test(line))];
    // jing prefixes every message with the absolute temp path; keep only "line:col: message".
    const problems = output.map((line) => line.split(`${file}:`).join(""));
    if (code !== 0 && problems.length === 0) problems.push(`jing exited with code ${code}`);
    return { ok: code === 0 && problems.length === 0, problems };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const FEEDPARSER_SCRIPT = String.raw`
import io, json, sys
try:
    import feedparser
except ImportError:
    sys.stderr.write("feedparser is not importable\n")
    sys.exit(3)

d = feedparser.parse(io.BytesIO(sys.stdin.buffer.read()))

def text(v):
    return None if v is None else str(v)

def content(e):
    c = e.get("content")
    if c:
        return c[0].get("value")
    return e.get("summary")

f = d.get("feed", {})
out = {
    "bozo": int(d.get("bozo", 0)),
    "bozoException": text(d.get("bozo_exception")),
    "version": d.get("version") or "",
    "encoding": d.get("encoding"),
    "feed": {k: text(f.get(k)) for k in ("title", "subtitle", "link", "id", "language", "updated")},
    "entries": [
        {
            "title": text(e.get("title")),
            "link": text(e.get("link")),
            "id": text(e.get("id")),
            "published": text(e.get("published")),
            "updated": text(e.get("updated")),
            "content": text(content(e)),
        }
        for e in d.get("entries", [])
    ],
}
json.dump(out, sys.stdout)
`;

/** Parse with Python feedparser (Debian's python3-feedparser under /usr/bin/python3). */
export async function parseWithFeedparser(xml: string): Promise<FeedparserResult> {
  const { code, stdout, stderr } = await run("feedparser", SYSTEM_PYTHON, ["-c", FEEDPARSER_SCRIPT], xml);
  if (code === 3) throw new Error(missingToolMessage("feedparser"));
  if (code !== 0) throw new Error(`[validators] [feedparser] exited with code ${code}: ${stderr.trim()}`);
  return JSON.parse(stdout) as FeedparserResult;
}

async function checkWithFeedparser(xml: string, expectedVersion: string): Promise<ValidationResult> {
  const result = await parseWithFeedparser(xml);
  const problems: string[] = [];
  if (result.bozo !== 0) problems.push(`bozo: ${result.bozoException ?? "(no exception given)"}`);
  if (result.version !== expectedVersion) {
    problems.push(`version: expected "${expectedVersion}", feedparser detected "${result.version}"`);
  }
  return { ok: problems.length === 0, problems };
}

/** feedparser reads it as RSS 2.0 without setting `bozo`. */
export function checkRssWithFeedparser(xml: string): Promise<ValidationResult> {
  return checkWithFeedparser(xml, "rss20");
}

/** feedparser reads it as Atom 1.0 without setting `bozo`. */
export function checkAtomWithFeedparser(xml: string): Promise<ValidationResult> {
  return checkWithFeedparser(xml, "atom10");
}

// ---------------------------------------------------------------------------------------------
// JSON Feed

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = addFormatsModule.default;
let validateJsonFeedSchema: ValidateFunction | undefined;

function jsonFeedValidator(): ValidateFunction {
  if (validateJsonFeedSchema) return validateJsonFeedSchema;
  // The 1.1 schema declares draft-07, which is Ajv's default draft.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  validateJsonFeedSchema = ajv.compile(jsonFeedSchema);
  return validateJsonFeedSchema;
}

/** JSON Feed 1.1: the jsonfeed-schema package's 1.1 schema, plus the exact 1.1 version URL. */
export async function checkJsonFeed(text: string): Promise<ValidationResult> {
  let feed: unknown;
  try {
    feed = JSON.parse(text);
  } catch (error) {
    return { ok: false, problems: [`not JSON: ${(error as Error).message}`] };
  }
  const validate = jsonFeedValidator();
  const problems = validate(feed)
    ? []
    : (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? e.keyword}${formatParams(e.params)}`);
  // The schema's enum also admits version 1; a 1.1 feed must say 1.1.
  const version = typeof feed === "object" && feed !== null ? (feed as { version?: unknown }).version : undefined;
  if (version !== JSON_FEED_VERSION) problems.push(`/version must be "${JSON_FEED_VERSION}", got ${JSON.stringify(version)}`);
  return { ok: problems.length === 0, problems };
}

function formatParams(params: Record<string, unknown>): string {
  const entries = Object.entries(params);
  return entries.length === 0 ? "" : ` (${entries.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(", ")})`;
}

// ---------------------------------------------------------------------------------------------
// JavaScript feed readers

/** Read back with rss-parser (RSS and Atom). */
export async function parseWithRssParser(xml: string): Promise<ParsedFeed> {
  const feed = await new RssParser().parseString(xml);
  return {
    title: feed.title ?? null,
    items: feed.items.map((item) => ({
      id: item.guid ?? (typeof item["id"] === "string" ? item["id"] : null),
      title: item.title ?? null,
      link: item.link ?? null,
      date: item.isoDate ?? item.pubDate ?? null,
      content: stringOrNull(item["content:encoded"]) ?? item.content ?? item.summary ?? null,
    })),
  };
}

/** Read back with @rowanmanning/feed-parser (RSS and Atom). */
export async function parseWithRowanmanning(xml: string): Promise<ParsedFeed> {
  const feed = parseFeed(xml);
  return {
    title: feed.title,
    items: feed.items.map((item) => ({
      id: item.id,
      title: item.title,
      link: item.url,
      date: (item.published ?? item.updated)?.toISOString() ?? null,
      content: item.content ?? item.description,
    })),
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}
