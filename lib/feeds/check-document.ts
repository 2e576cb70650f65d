import { SaxesParser } from "saxes";
import type { OutputFile } from "./render-feed.js";

/**
 * Why a rendered file would be broken for its readers, or null when it parses back. XML is read
 * by a conforming parser (well-formedness, XML 1.0 characters, namespace prefixes declared);
 * JSON by JSON.parse. Run on every file before it is written, so a renderer bug or an input
 * nobody foresaw leaves the last good version in place instead of breaking every subscriber. Pure.
 */
export function checkDocument(file: Pick<OutputFile, "key" | "body">): string | null {
  if (file.key.endsWith(".json")) return checkJson(file.body);
  if (file.key.endsWith(".html")) return checkHtml(file.body);
  return checkXml(file.body);
}

/**
 * Pages and snippets are written as well-formed markup (every element closed, only XML's own
 * entities), so they are read as XML too, inside one element: a snippet has several roots, and a
 * page starts with its doctype. A page must also be a whole document with its head and body.
 */
function checkHtml(body: string): string | null {
  const doctype = "<!DOCTYPE html>\n";
  const page = body.startsWith(doctype);
  const problem = checkXml(`<root>${page ? body.slice(doctype.length) : body}</root>`);
  if (problem) return problem.replace("XML", "markup");
  if (page && !/^<html[ >][\s\S]*<head>[\s\S]*<\/head>\n<body>[\s\S]*<\/body>\n<\/html>\n$/.test(body.slice(doctype.length))) return "not a whole HTML page";
  return null;
}

function checkJson(body: string): string | null {
  try {
    const value: unknown = JSON.parse(body);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? null : "not a JSON object";
  } catch (error) {
    return `not valid JSON: ${(error as Error).message}`;
  }
}

function checkXml(body: string): string | null {
  // saxes reports every problem through "error" and goes on; the first one is the one to show.
  const parser = new SaxesParser({ xmlns: true, position: true });
  let problem: string | null = null;
  parser.on("error", (error) => {
    problem ??= `not well-formed XML: ${error.message}`;
  });
  parser.write(body).close();
  return problem;
}
