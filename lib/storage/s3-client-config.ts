import type { S3ClientConfig } from "@aws-sdk/client-s3";
import { ConfigError } from "../errors.js";

const REGION = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** How long one HTTP attempt may wait, in ms; tests pass shorter ones. */
export interface S3Timeouts {
  /** To establish the TCP (and TLS) connection. */
  connectionMs: number;
  /** Of socket inactivity: no byte sent or received for this long, mid-request or mid-body. */
  socketIdleMs: number;
}

// S3 in the Lambda's region connects in milliseconds and sends its first byte within a second or
// two; past these, an attempt is stalled and a retry does better than waiting out Lambda's 60 s.
export const DEFAULT_S3_TIMEOUTS: S3Timeouts = { connectionMs: 2_000, socketIdleMs: 5_000 };

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
export function s3ClientConfigFromEnv(env: Record<string, string | undefined>, timeouts: S3Timeouts = DEFAULT_S3_TIMEOUTS): S3ClientConfig {
  for (const [name, ms] of Object.entries(timeouts)) {
    // 0 would mean "no timeout" to the SDK.
    if (!(ms > 0 && Number.isFinite(ms))) throw new RangeError(`[storage] [s3] timeouts.${name} must be a positive number of ms, got ${ms}`);
  }
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

  const base: S3ClientConfig = {
    region,
    // The one retry layer is retryingStorage (lib/storage/retry.ts): it also sees failures that
    // come after the SDK's retry middleware has returned, such as a body cut off while it is read.
    maxAttempts: 1,
    // A CRC32 of every PUT body on top of SigV4's SHA-256 payload hash (which the driver supplies
    // from the hash it already has) checks nothing more; checksums only where S3 requires them.
    requestChecksumCalculation: "WHEN_REQUIRED",
    // socketTimeout is the inactivity timeout; this SDK's requestTimeout is a whole-request
    // deadline that only logs unless throwOnRequestTimeout is set, and would cut off slow large PUTs.
    requestHandler: { connectionTimeout: timeouts.connectionMs, socketTimeout: timeouts.socketIdleMs },
  };
  return endpoint === undefined ? base : { ...base, endpoint, forcePathStyle: true };
}
