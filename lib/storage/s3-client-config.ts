import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { ConfigError } from "../errors.js";

const REGION = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** An unset or blank variable counts as absent, so `FOO=` in a .env file does not override a default. */
function read(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function isHttpUrl(value: string): boolean {
  try {
    const { protocol, hostname } = new URL(value);
    return (protocol === "http:" || protocol === "https:") && hostname !== "";
  } catch {
    return false;
  }
}

/**
 * S3 client settings from AWS's own variable names. An explicit endpoint means an
 * S3-compatible server (MinIO, s3rver, LocalStack), which wants path-style addressing.
 * Throws a ConfigError listing every invalid variable.
 */
export function s3ClientConfigFromEnv(env: Record<string, string | undefined>): S3ClientConfig {
  const problems: string[] = [];
  const endpointVar = read(env, "AWS_ENDPOINT_URL_S3") ? "AWS_ENDPOINT_URL_S3" : "AWS_ENDPOINT_URL";
  const endpoint = read(env, endpointVar);
  const regionVar = read(env, "AWS_REGION") ? "AWS_REGION" : "AWS_DEFAULT_REGION";
  const region = read(env, regionVar) ?? "us-east-1";

  if (endpoint !== undefined && !isHttpUrl(endpoint)) {
    problems.push(`${endpointVar}: expected an http(s) URL, got ${JSON.stringify(endpoint)}`);
  }
  if (!REGION.test(region)) {
    problems.push(`${regionVar}: expected a region such as "eu-west-1", got ${JSON.stringify(region)}`);
  }
  if (problems.length > 0) throw new ConfigError("environment", problems);

  return endpoint === undefined ? { region } : { region, endpoint, forcePathStyle: true };
}
