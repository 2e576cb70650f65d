/**
 * References between a template's parts: Ref, Fn::GetAtt, Fn::Sub, conditions and mappings,
 * each checked against what the template defines; the resources each value refers to become
 * the dependency edges the cycle check follows.
 */
import { intrinsicName, isObject, type Json, type JsonObject } from "./json.js";
import { isCustomResource, type SpecSource } from "./spec-source.js";
import { suggest } from "./suggest.js";

const PSEUDO_PARAMETERS = new Set([
  "AWS::AccountId",
  "AWS::NotificationARNs",
  "AWS::NoValue",
  "AWS::Partition",
  "AWS::Region",
  "AWS::StackId",
  "AWS::StackName",
  "AWS::URLSuffix",
]);

/** What references may name; problems found are pushed onto `problems`, in the order met. */
export interface ReferenceScope {
  resources: JsonObject;
  parameters: JsonObject;
  conditions: JsonObject;
  mappings: JsonObject;
  spec: SpecSource;
  problems: string[];
}

export interface ReferenceChecks {
  checkCondition(path: string, name: Json): void;
  /** Walks any value, checking every intrinsic; returns the resources it refers to. */
  walk(value: Json, path: string, found?: Set<string>): Set<string>;
}

export function createReferenceChecks({ resources, parameters, conditions, mappings, spec, problems }: ReferenceScope): ReferenceChecks {
  const typeOf = (logicalId: string): string | null => {
    const resource = resources[logicalId];
    return isObject(resource) && typeof resource.Type === "string" ? resource.Type : null;
  };

  const checkGetAtt = (path: string, logicalId: string, attribute: string, found: Set<string>): void => {
    const type = typeOf(logicalId);
    if (type === null) {
      problems.push(`${path}: GetAtt names "${logicalId}", which is not a resource`);
      return;
    }
    found.add(logicalId);
    if (isCustomResource(type) || type === "AWS::CloudFormation::Stack") return;
    const resourceSpec = spec.resource(type);
    if (resourceSpec && !resourceSpec.attributes.includes(attribute)) {
      problems.push(
        `${path}: ${type} has no attribute "${attribute}"${suggest(attribute, resourceSpec.attributes)}`,
      );
    }
  };

  const checkName = (path: string, name: string, how: string, found: Set<string>): void => {
    if (resources[name] !== undefined) found.add(name);
    else if (parameters[name] === undefined && !PSEUDO_PARAMETERS.has(name)) {
      problems.push(`${path}: ${how} "${name}", which is not a resource, parameter or pseudo parameter`);
    }
  };

  const checkCondition = (path: string, name: Json): void => {
    if (typeof name === "string" && conditions[name] === undefined) {
      problems.push(`${path}: condition "${name}" is not defined in Conditions`);
    }
  };

  const walk = (value: Json, path: string, found: Set<string> = new Set()): Set<string> => {
    if (Array.isArray(value)) {
      value.forEach((item, i) => walk(item, `${path}[${i}]`, found));
      return found;
    }
    if (!isObject(value)) return found;
    const fn = intrinsicName(value);
    const arg = fn === null ? null : (value[fn] ?? null);
    switch (fn) {
      case "Ref":
        if (typeof arg === "string") checkName(path, arg, "Ref names", found);
        else problems.push(`${path}: Ref takes a logical name`);
        return found;
      case "Fn::GetAtt": {
        const target = typeof arg === "string" ? splitOnce(arg, ".") : Array.isArray(arg) ? arg : null;
        const [logicalId, attribute] = target ?? [];
        if (typeof logicalId !== "string" || attribute === undefined || attribute === null) {
          problems.push(`${path}: Fn::GetAtt takes [logicalName, attribute]`);
        } else if (typeof attribute === "string") {
          checkGetAtt(path, logicalId, attribute, found);
        } else {
          if (typeOf(logicalId) === null) problems.push(`${path}: GetAtt names "${logicalId}", which is not a resource`);
          else found.add(logicalId);
          walk(attribute, `${path}.Fn::GetAtt[1]`, found);
        }
        return found;
      }
      case "Fn::Sub": {
        const noVariables: Json = {};
        const [text, variables]: [Json | undefined, Json] =
          typeof arg === "string" ? [arg, noVariables] : Array.isArray(arg) ? [arg[0], arg[1] ?? noVariables] : [null, noVariables];
        if (typeof text !== "string" || !isObject(variables)) {
          problems.push(`${path}: Fn::Sub takes a string or [string, {variables}]`);
          return found;
        }
        for (const name of subReferences(text)) {
          if (variables[name] !== undefined) continue;
          const [head, attribute] = splitOnce(name, ".");
          if (attribute !== undefined && !head.includes("::")) checkGetAtt(path, head, attribute, found);
          else checkName(path, name, "Fn::Sub refers to", found);
        }
        for (const [name, variable] of Object.entries(variables)) walk(variable, `${path}.Fn::Sub.${name}`, found);
        return found;
      }
      case "Fn::If":
        if (Array.isArray(arg) && arg.length === 3) {
          checkCondition(path, arg[0] ?? null);
          walk(arg[1] ?? null, `${path}.Fn::If[1]`, found);
          walk(arg[2] ?? null, `${path}.Fn::If[2]`, found);
        } else problems.push(`${path}: Fn::If takes [condition, valueIfTrue, valueIfFalse]`);
        return found;
      case "Condition":
        checkCondition(path, arg);
        return found;
      case "Fn::FindInMap":
        if (Array.isArray(arg) && typeof arg[0] === "string" && mappings[arg[0]] === undefined) {
          problems.push(`${path}: mapping "${arg[0]}" is not defined in Mappings`);
        }
        break;
    }
    for (const [key, child] of Object.entries(value)) walk(child, `${path}.${key}`, found);
    return found;
  };

  return { checkCondition, walk };
}

/** `${Name}` and `${Name.Attribute}` in a Fn::Sub string; `${!Literal}` is text. */
function subReferences(text: string): string[] {
  return [...text.matchAll(/\$\{([^}]*)\}/g)]
    .map((m) => (m[1] ?? "").trim())
    .filter((name) => name !== "" && !name.startsWith("!"));
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + separator.length)];
}
