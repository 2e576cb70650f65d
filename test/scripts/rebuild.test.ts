import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createS3Storage } from "../../lib/storage/s3.js";
import { feedFiles, fullBuildFeeds } from "../support/full-build.js";
import { startS3Server, type S3Server } from "../../scripts/support/local-aws/index.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** `npm run rebuild` as a user runs it against S3-compatible storage: exit code and output. */
function rebuild(server: S3Server, bucket: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    NO_COLOR: "1",
    AWS_ENDPOINT_URL_S3: server.endpoint,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
  };
  return new Promise((resolve, reject) => {
    execFile("npx", ["tsx", "scripts/rebuild.ts", "--bucket", bucket], { cwd: repoRoot, env, timeout: 100_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== "number") return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

let server: S3Server;
beforeAll(async () => {
  server = await startS3Server();
}, 30_000);
afterAll(async () => {
  await server?.stop();
});

describe("npm run rebuild", () => {
  it("rescans a bucket's content/ into the feeds a full build gives, and run again writes nothing", async () => {
    await server.createBucket("rebuild-sample");
    for (const name of await readdir(new URL("../../content/", import.meta.url))) {
      const body = await readFile(new URL(`../../content/${name}`, import.meta.url));
      await server.client.send(new PutObjectCommand({ Bucket: "rebuild-sample", Key: `content/${name}`, Body: body }));
    }
    const first = await rebuild(server, "rebuild-sample");
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^Rescanned s3:\/\/rebuild-sample in 1 call, \d+ ms: 106 files written, 1 unchanged, 0 removed, 0 not written \(invalid\); 0 posts rejected$/m);
    const bucket = createS3Storage({ client: server.client, bucket: "rebuild-sample" });
    expect(await feedFiles(bucket)).toEqual(await fullBuildFeeds(bucket, new Date()));

    const again = await rebuild(server, "rebuild-sample");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/: 0 files written, 106 unchanged, 0 removed, 0 not written \(invalid\); 0 posts rejected$/m);
  }, 120_000);
});
