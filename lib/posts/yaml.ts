import yaml from "js-yaml";

// CORE_SCHEMA has no timestamp type, so "2022-05-20 00:01:40" stays a string: the YAML
// timestamp type would read it as UTC, eight hours off for a +0800 site. It has no !!js/* types
// either, so nothing in front matter can become code. (js-yaml 3 is the version gray-matter
// itself loads; using it keeps a single copy in the Lambda bundle.)
export function loadYaml(text: string): unknown {
  return yaml.load(text, { schema: yaml.CORE_SCHEMA });
}
