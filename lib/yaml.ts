import yaml from "js-yaml";
import { FrontMatterError } from "./errors.js";
import { overLimit, type Limits } from "./limits.js";

// CORE_SCHEMA has no timestamp type, so "2022-05-20 00:01:40" stays a string: the YAML
// timestamp type would read it as UTC, eight hours off for a +0800 site. It has no !!js/* types
// either, so nothing in front matter can become code, and no merge type: "<<" is a plain key.
export function loadYaml(text: string): unknown {
  return yaml.load(text, { schema: yaml.CORE_SCHEMA });
}

/**
 * Reads untrusted YAML (a post's front matter). Throws FrontMatterError when it is not YAML, and
 * LimitError when the value nests deeper than `yamlDepth` or has more than `yamlNodes` values.
 * js-yaml keeps an alias as a reference to its anchor's value, so parsing an alias bomb is cheap;
 * expanding it is what costs (nine levels of nine aliases are 9^9 values). The values are counted
 * by a walk that stops at the budget, so nothing later (stringifying, copying) ever meets one.
 */
export function loadUntrustedYaml(text: string, limits: Limits): unknown {
  let value: unknown;
  try {
    value = loadYaml(text);
  } catch (error) {
    if (error instanceof yaml.YAMLException) {
      // js-yaml quotes at most one line of the input, cut to ~75 characters.
      throw new FrontMatterError(`front matter is not valid YAML: ${error.message.slice(0, 400)}`, { cause: error });
    }
    // js-yaml recurses once per level of nesting: about 5,000 levels (10 KB of "[") overflow the stack.
    if (error instanceof RangeError) throw overLimit(limits, "yamlDepth", "front matter nests", "levels deep");
    throw error;
  }
  checkShape(value, limits);
  return value;
}

/** Walks `root` without recursion and without expanding anything, counting against the limits. */
function checkShape(root: unknown, limits: Limits): void {
  let nodes = 0;
  const stack: { value: object; depth: number }[] = [];
  if (typeof root === "object" && root !== null) stack.push({ value: root, depth: 1 });
  for (let top = stack.pop(); top; top = stack.pop()) {
    if (top.depth > limits.yamlDepth) throw overLimit(limits, "yamlDepth", "front matter nests", "levels deep");
    const children: unknown[] = Array.isArray(top.value) ? top.value : Object.values(top.value);
    nodes += children.length;
    if (nodes > limits.yamlNodes) throw overLimit(limits, "yamlNodes", "front matter has", "values (an alias counts each time it is used)");
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push({ value: child, depth: top.depth + 1 });
    }
  }
}
