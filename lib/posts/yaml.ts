import { CORE_SCHEMA, load } from "js-yaml";

// CORE_SCHEMA has no timestamp type, so "2022-05-20 00:01:40" stays a string: the YAML
// timestamp type would read it as UTC, eight hours off for a +0800 site.
export function loadYaml(text: string): unknown {
  return load(text, { schema: CORE_SCHEMA });
}
