/**
 * The checker: the template's sections, each resource's attributes and properties,
 * the references between them, and dependency cycles, composed from the files beside this one.
 */
import { findCycles } from "./cycles.js";
import { isObject } from "./json.js";
import { propertyProblems } from "./properties.js";
import { createReferenceChecks } from "./references.js";
import { isCustomResource, type SpecSource } from "./spec-source.js";
import { suggest } from "./suggest.js";

export { findCycles } from "./cycles.js";
export {
  createSpecSource,
  loadSpecSource,
  type PropertySpec,
  type ResourceSpec,
  type SpecSource,
  type TypeSpec,
} from "./spec-source.js";

const TEMPLATE_SECTIONS = new Set([
  "AWSTemplateFormatVersion",
  "Description",
  "Metadata",
  "Parameters",
  "Rules",
  "Mappings",
  "Conditions",
  "Transform",
  "Resources",
  "Outputs",
]);

const RESOURCE_KEYS = new Set([
  "Type",
  "Properties",
  "DependsOn",
  "Condition",
  "DeletionPolicy",
  "UpdateReplacePolicy",
  "UpdatePolicy",
  "CreationPolicy",
  "Metadata",
]);

/**
 * Every problem found in `template`, each naming where it is; an empty array means none.
 * Pure: reads only its arguments.
 */
export function checkTemplate(template: unknown, spec: SpecSource): string[] {
  const problems: string[] = [];
  if (!isObject(template)) return ["template: not a JSON object"];

  for (const section of Object.keys(template)) {
    if (!TEMPLATE_SECTIONS.has(section)) problems.push(`${section}: unknown template section`);
  }
  const resources = isObject(template.Resources) ? template.Resources : {};
  if (!isObject(template.Resources) || Object.keys(resources).length === 0) {
    problems.push("Resources: a template needs at least one resource");
  }
  const parameters = isObject(template.Parameters) ? template.Parameters : {};
  const conditions = isObject(template.Conditions) ? template.Conditions : {};
  const mappings = isObject(template.Mappings) ? template.Mappings : {};

  const { checkCondition, walk } = createReferenceChecks({ resources, parameters, conditions, mappings, spec, problems });

  // --- resources ------------------------------------------------------------
  const edges = new Map<string, Set<string>>();
  for (const [logicalId, resource] of Object.entries(resources)) {
    const path = `Resources.${logicalId}`;
    if (!isObject(resource)) {
      problems.push(`${path}: not an object`);
      continue;
    }
    for (const key of Object.keys(resource)) {
      if (!RESOURCE_KEYS.has(key)) problems.push(`${path}.${key}: unknown resource attribute${suggest(key, [...RESOURCE_KEYS])}`);
    }
    if (resource.Condition !== undefined) checkCondition(`${path}.Condition`, resource.Condition);

    const type = resource.Type;
    const properties = resource.Properties ?? {};
    if (typeof type !== "string") {
      problems.push(`${path}: Type is missing`);
    } else if (!isObject(properties)) {
      problems.push(`${path}.Properties: expected an object`);
    } else if (!isCustomResource(type)) {
      const resourceSpec = spec.resource(type);
      if (!resourceSpec) problems.push(`${path}.Type: "${type}" is not a CloudFormation resource type`);
      else problems.push(...propertyProblems(properties, resourceSpec.properties, type, `${path}.Properties`));
    }

    const dependsOn = resource.DependsOn === undefined ? [] : [resource.DependsOn].flat();
    const targets = new Set<string>();
    for (const target of dependsOn) {
      if (typeof target !== "string" || resources[target] === undefined) {
        problems.push(`${path}.DependsOn: "${String(target)}" is not a resource`);
      } else targets.add(target);
    }
    for (const [key, child] of Object.entries(resource)) {
      if (key !== "Type" && key !== "DependsOn" && key !== "Condition") walk(child, `${path}.${key}`, targets);
    }
    edges.set(logicalId, targets);
  }

  // --- the other sections that may refer to things ---------------------------
  for (const section of ["Conditions", "Outputs", "Rules"] as const) {
    const content = template[section];
    if (content !== undefined) walk(content, section);
  }
  if (isObject(template.Outputs)) {
    for (const [name, output] of Object.entries(template.Outputs)) {
      if (!isObject(output) || output.Value === undefined) problems.push(`Outputs.${name}: Value is missing`);
      else if (output.Condition !== undefined) checkCondition(`Outputs.${name}.Condition`, output.Condition);
    }
  }

  problems.push(...findCycles(edges).map((cycle) => `Resources: dependency cycle ${cycle.join(" -> ")}`));
  return problems;
}
