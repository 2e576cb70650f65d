/**
 * The validators of test/support/validators.ts applied to a whole `feeds/` tree. xmllint and the
 * JSON Feed schema run per file through that module; jing and feedparser, which cost a JVM or a
 * Python start each (about a second and a seventh of one here), run once per tree with the same
 * schema and the same acceptance rule (feedparser: no bozo, the expected version).
 */
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { checkDocument } from "../../lib/feeds/check-document.js";
import {
  atomSchemaPath,
  checkJsonFeed,
  checkXmlWellFormed,
  missingToolMessage,
  requireTool,
  type ToolName,
} from "../support/validators.js";

/** Each problem as "key: problem"; empty when every file passed every available validator. */
export async function validateTree(files: ReadonlyMap<string, string>): Promise<string[]> {
  const problems: string[] = [];
  const keys = [...files.keys()];
  const xml = keys.filter((k) => k.endsWith(".xml") || k.endsWith(".opml"));
  // Pages and snippets are no feeds: they get the check every file gets before it is written.
  for (const key of keys.filter((k) => k.endsWith(".html"))) {
    const problem = checkDocument({ key, body: files.get(key)! });
    if (problem) problems.push(`${key}: ${problem}`);
  }
  for (const key of keys.filter((k) => k.endsWith(".json"))) {
    for (const p of (await checkJsonFeed(files.get(key)!)).problems) problems.push(`${key}: ${p}`);
  }
  const dir = await mkdtemp(path.join(tmpdir(), "feedpub-tree-"));
  try {
    // Numbered files: keys may hold characters a file name should not.
    const onDisk = new Map<string, string>();
    await Promise.all(
      xml.map(async (key, n) => {
        const file = path.join(dir, `${n}.xml`);
        onDisk.set(key, file);
        await writeFile(file, files.get(key)!, "utf8");
      }),
    );
    const results = await Promise.all([
      available("xmllint") ? xmllintEach(xml, files) : [],
      available("jing") ? jingAll(xml.filter((k) => k.endsWith("/atom.xml")), onDisk) : [],
      available("feedparser") ? feedparserAll(xml.filter((k) => !k.endsWith(".opml")), onDisk) : [],
    ]);
    problems.push(...results.flat());
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return problems;
}

const warned = new Set<ToolName>();

function available(tool: ToolName): boolean {
  if (requireTool(tool)) return true;
  if (!warned.has(tool)) console.warn(missingToolMessage(tool));
  warned.add(tool);
  return false;
}

async function xmllintEach(keys: string[], files: ReadonlyMap<string, string>): Promise<string[]> {
  const problems: string[] = [];
  // Two at a time: one per core of the machines this runs on.
  for (let i = 0; i < keys.length; i += 2) {
    const pair = keys.slice(i, i + 2);
    const checked = await Promise.all(pair.map((k) => checkXmlWellFormed(files.get(k)!)));
    checked.forEach((r, j) => problems.push(...r.problems.map((p) => `${pair[j]}: xmllint: ${p}`)));
  }
  return problems;
}

async function jingAll(keys: string[], onDisk: ReadonlyMap<string, string>): Promise<string[]> {
  if (keys.length === 0) return [];
  const { code, stdout, stderr } = await run("jing", ["-c", atomSchemaPath, ...keys.map((k) => onDisk.get(k)!)]);
  // Debian's java-wrappers launcher warns about optional jars on every run, even for valid input.
  const launcherNoise = /^\[warning\] .*Unable to locate /;
  const lines = `${stdout}\n${stderr}`.split("\n").map((l) => l.trimEnd()).filter((l) => l !== "" && !launcherNoise.test(l));
  const problems = lines.map((line) => {
    const key = keys.find((k) => line.startsWith(`${onDisk.get(k)!}:`));
    return key ? `${key}: jing: ${line.slice(onDisk.get(key)!.length + 1)}` : `jing: ${line}`;
  });
  if (code !== 0 && problems.length === 0) problems.push(`jing exited with code ${code}`);
  return problems;
}

const FEEDPARSER_SCRIPT = String.raw`
import json, sys
import feedparser
out = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        d = feedparser.parse(f.read())
    exc = d.get("bozo_exception")
    out.append({"bozo": int(d.get("bozo", 0)), "exception": None if exc is None else str(exc), "version": d.get("version") or ""})
json.dump(out, sys.stdout)
`;

async function feedparserAll(keys: string[], onDisk: ReadonlyMap<string, string>): Promise<string[]> {
  if (keys.length === 0) return [];
  // Debian's python3-feedparser is only importable by the system interpreter.
  const { code, stdout, stderr } = await run("/usr/bin/python3", ["-c", FEEDPARSER_SCRIPT, ...keys.map((k) => onDisk.get(k)!)]);
  if (code !== 0) return [`feedparser exited with code ${code}: ${stderr.trim()}`];
  const results = JSON.parse(stdout) as { bozo: number; exception: string | null; version: string }[];
  return results.flatMap((r, i) => {
    const key = keys[i]!;
    const expected = key.endsWith("/atom.xml") ? "atom10" : "rss20";
    const problems: string[] = [];
    if (r.bozo !== 0) problems.push(`${key}: feedparser: bozo: ${r.exception ?? "(no exception given)"}`);
    if (r.version !== expected) problems.push(`${key}: feedparser: version "${r.version}", expected "${expected}"`);
    return problems;
  });
}

function run(command: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") }));
  });
}
