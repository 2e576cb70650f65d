import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/errors.js";
import { DEFAULT_S3_TIMEOUTS, s3ClientConfigFromEnv } from "../../lib/storage/s3-client-config.js";

// What every config carries, whatever the environment says: one attempt, and the timeouts.
const FIXED = {
  maxAttempts: 1,
  requestChecksumCalculation: "WHEN_REQUIRED",
  requestHandler: { connectionTimeout: DEFAULT_S3_TIMEOUTS.connectionMs, socketTimeout: DEFAULT_S3_TIMEOUTS.socketIdleMs },
};

describe("s3ClientConfigFromEnv", () => {
  it("leaves retries to retryingStorage: the SDK makes one attempt per call", () => {
    expect(s3ClientConfigFromEnv({}).maxAttempts).toBe(1);
    expect(s3ClientConfigFromEnv({ AWS_ENDPOINT_URL: "http://127.0.0.1:4568" }).maxAttempts).toBe(1);
  });

  it("bounds connecting and socket inactivity, by default at 2 s and 5 s", () => {
    expect(DEFAULT_S3_TIMEOUTS).toEqual({ connectionMs: 2_000, socketIdleMs: 5_000 });
    expect(s3ClientConfigFromEnv({}).requestHandler).toEqual({ connectionTimeout: 2_000, socketTimeout: 5_000 });
  });

  it("takes shorter timeouts from the caller", () => {
    expect(s3ClientConfigFromEnv({}, { connectionMs: 100, socketIdleMs: 250 }).requestHandler).toEqual({ connectionTimeout: 100, socketTimeout: 250 });
  });

  it.each([0, -1, Number.NaN, Infinity])("rejects a timeout of %s", (ms) => {
    expect(() => s3ClientConfigFromEnv({}, { connectionMs: ms, socketIdleMs: 250 })).toThrow(RangeError);
    expect(() => s3ClientConfigFromEnv({}, { connectionMs: 100, socketIdleMs: ms })).toThrow(RangeError);
  });

  it("uses AWS's default endpoint and us-east-1 when nothing is set", () => {
    expect(s3ClientConfigFromEnv({})).toEqual({ ...FIXED, region: "us-east-1" });
  });

  it("treats empty and blank variables as unset", () => {
    const env = { AWS_ENDPOINT_URL_S3: "", AWS_ENDPOINT_URL: "  ", AWS_REGION: "", AWS_DEFAULT_REGION: " " };
    expect(s3ClientConfigFromEnv(env)).toEqual({ ...FIXED, region: "us-east-1" });
  });

  it("treats undefined values as unset", () => {
    expect(s3ClientConfigFromEnv({ AWS_ENDPOINT_URL_S3: undefined, AWS_REGION: undefined })).toEqual({ ...FIXED, region: "us-east-1" });
  });

  it("takes AWS_ENDPOINT_URL and switches to path-style addressing", () => {
    expect(s3ClientConfigFromEnv({ AWS_ENDPOINT_URL: "http://127.0.0.1:4568" })).toEqual({
      ...FIXED,
      region: "us-east-1",
      endpoint: "http://127.0.0.1:4568",
      forcePathStyle: true,
    });
  });

  it("prefers AWS_ENDPOINT_URL_S3 over AWS_ENDPOINT_URL", () => {
    const config = s3ClientConfigFromEnv({ AWS_ENDPOINT_URL_S3: "https://s3.example.test", AWS_ENDPOINT_URL: "http://other:1" });
    expect(config.endpoint).toBe("https://s3.example.test");
    expect(config.forcePathStyle).toBe(true);
  });

  it("falls back to AWS_ENDPOINT_URL when AWS_ENDPOINT_URL_S3 is empty", () => {
    expect(s3ClientConfigFromEnv({ AWS_ENDPOINT_URL_S3: "", AWS_ENDPOINT_URL: "http://minio:9000" }).endpoint).toBe("http://minio:9000");
  });

  it("trims whitespace around values", () => {
    expect(s3ClientConfigFromEnv({ AWS_ENDPOINT_URL: " http://minio:9000 ", AWS_REGION: " eu-west-1\n" })).toEqual({
      ...FIXED,
      region: "eu-west-1",
      endpoint: "http://minio:9000",
      forcePathStyle: true,
    });
  });

  it("prefers AWS_REGION over AWS_DEFAULT_REGION", () => {
    expect(s3ClientConfigFromEnv({ AWS_REGION: "eu-central-1", AWS_DEFAULT_REGION: "ap-southeast-2" }).region).toBe("eu-central-1");
    expect(s3ClientConfigFromEnv({ AWS_REGION: "", AWS_DEFAULT_REGION: "ap-southeast-2" }).region).toBe("ap-southeast-2");
  });

  it("accepts the region names S3-compatible services use", () => {
    expect(s3ClientConfigFromEnv({ AWS_REGION: "auto" }).region).toBe("auto");
  });

  it.each(["not a url", "s3.example.test", "ftp://files.example.test", "http://", "undefined"])(
    "rejects the endpoint %j, naming the variable",
    (value) => {
      expect(() => s3ClientConfigFromEnv({ AWS_ENDPOINT_URL: value })).toThrow(ConfigError);
      expect(() => s3ClientConfigFromEnv({ AWS_ENDPOINT_URL: value })).toThrow(/AWS_ENDPOINT_URL: expected an http\(s\) URL/);
    },
  );

  it.each(["EU West 1", "us_east_1", "eu-west-1/", "-eu"])("rejects the region %j", (value) => {
    expect(() => s3ClientConfigFromEnv({ AWS_DEFAULT_REGION: value })).toThrow(/AWS_DEFAULT_REGION: expected a region/);
  });

  it("reports every invalid variable at once", () => {
    let caught: unknown;
    try {
      s3ClientConfigFromEnv({ AWS_ENDPOINT_URL_S3: "nope", AWS_REGION: "Nope!" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).problems).toEqual([
      'AWS_ENDPOINT_URL_S3: expected an http(s) URL, got "nope"',
      'AWS_REGION: expected a region such as "eu-west-1", got "Nope!"',
    ]);
  });
});
