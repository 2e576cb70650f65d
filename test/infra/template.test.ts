/**
 * Packages the service exactly as `npm run package` does, with no AWS credentials,
 * and asserts the properties the design depends on in the generated template.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SQS_FIFO_MAX_BATCH } from "../../functions/handle-event.js";
import { checkTemplate, DEFAULT_TEMPLATE, loadSpecSource } from "../../scripts/check-template.js";

const run = promisify(execFile);

type Json = any;
interface Resource {
  Type: string;
  Properties: Json;
  DependsOn?: string | string[];
  DeletionPolicy?: string;
}
interface Template {
  Resources: Record<string, Resource>;
  Outputs: Record<string, { Value: Json }>;
  Parameters: Record<string, { Default?: string }>;
}

/** The environment minus anything that could let osls reach AWS. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"]) delete env[name];
  return env;
}

let template: Template;
let prodDir: string;
let prodTemplate: Template;

beforeAll(async () => {
  await run("npm", ["run", "package"], { env: offlineEnv() });
  template = JSON.parse(await readFile(DEFAULT_TEMPLATE, "utf8")) as Template;
  // A second stage with every optional feature on, written outside .serverless/.
  prodDir = await mkdtemp(join(tmpdir(), "feedpub-package-"));
  await run(
    "npx",
    [
      "osls",
      "package",
      "--stage",
      "prod",
      "--package",
      prodDir,
      "--param=domainName=feeds.example.com",
      "--param=certificateArn=arn:aws:acm:us-east-1:123456789012:certificate/example",
      "--param=alarmEmail=ops@example.com",
    ],
    { env: offlineEnv() },
  );
  prodTemplate = JSON.parse(await readFile(join(prodDir, "cloudformation-template-update-stack.json"), "utf8")) as Template;
}, 120_000);

afterAll(async () => {
  if (prodDir) await rm(prodDir, { recursive: true, force: true });
});

function resourcesOfType(type: string, from: Template = template): [string, Resource][] {
  return Object.entries(from.Resources).filter(([, r]) => r.Type === type);
}

function only(type: string, from: Template = template): [string, Resource] {
  const found = resourcesOfType(type, from);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0]!;
}

function get(logicalId: string): Resource {
  const found = template.Resources[logicalId];
  if (!found) throw new Error(`no resource ${logicalId} in the template`);
  return found;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const getAtt = (logicalId: string, attribute: string) => ({ "Fn::GetAtt": [logicalId, attribute] });

/** Every statement of every policy document in the template, with where it came from. */
function allStatements(from: Template): { where: string; statement: Json }[] {
  const found: { where: string; statement: Json }[] = [];
  for (const [id, resource] of Object.entries(from.Resources)) {
    const documents: Json[] = [];
    if (resource.Type === "AWS::IAM::Role") {
      for (const policy of resource.Properties.Policies ?? []) documents.push(policy.PolicyDocument);
    }
    if (resource.Type === "AWS::IAM::Policy" || resource.Type === "AWS::IAM::ManagedPolicy") {
      documents.push(resource.Properties.PolicyDocument);
    }
    if (resource.Type.endsWith("Policy") && resource.Properties?.PolicyDocument && !resource.Type.startsWith("AWS::IAM::")) {
      documents.push(resource.Properties.PolicyDocument);
    }
    for (const document of documents) {
      for (const statement of list(document.Statement)) found.push({ where: id, statement });
    }
  }
  return found;
}

describe("packaged template", () => {
  it("passes the offline check against AWS's resource specification, for both stages", async () => {
    const spec = await loadSpecSource();
    expect(checkTemplate(template, spec)).toEqual([]);
    expect(checkTemplate(prodTemplate, spec)).toEqual([]);
  });

  describe("bucket", () => {
    it("is private, versioned, encrypted and kept when the stack goes", () => {
      const bucket = get("ContentBucket");
      expect(bucket.Type).toBe("AWS::S3::Bucket");
      expect(bucket.DeletionPolicy).toBe("Retain");
      expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(bucket.Properties.VersioningConfiguration).toEqual({ Status: "Enabled" });
      expect(
        bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault,
      ).toEqual({ SSEAlgorithm: "AES256" });
      expect(bucket.Properties.OwnershipControls.Rules).toEqual([{ ObjectOwnership: "BucketOwnerEnforced" }]);
      const [rule] = bucket.Properties.LifecycleConfiguration.Rules;
      expect(rule.NoncurrentVersionExpiration.NoncurrentDays).toBeGreaterThan(0);
      expect(rule.AbortIncompleteMultipartUpload.DaysAfterInitiation).toBeGreaterThan(0);
      expect(bucket.Properties.NotificationConfiguration).toEqual({
        EventBridgeConfiguration: { EventBridgeEnabled: true },
      });
    });

    it("lets only this distribution read, and only feeds/*", () => {
      const [, policy] = resourcesOfType("AWS::S3::BucketPolicy").find(
        ([, r]) => JSON.stringify(r.Properties.Bucket) === JSON.stringify({ Ref: "ContentBucket" }),
      )!;
      const statements = list(policy.Properties.PolicyDocument.Statement) as Json[];
      const allows = statements.filter((s) => s.Effect === "Allow");
      expect(allows).toHaveLength(1);
      const [allow] = allows;
      expect(allow.Principal).toEqual({ Service: "cloudfront.amazonaws.com" });
      expect(list(allow.Action)).toEqual(["s3:GetObject"]);
      expect(allow.Resource).toEqual({ "Fn::Sub": "${ContentBucket.Arn}/feeds/*" });
      expect(Object.keys(allow.Condition)).toEqual(["StringEquals"]);
      expect(allow.Condition.StringEquals).toEqual({
        "AWS:SourceArn": {
          "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${FeedDistribution}",
        },
      });
      // The only other statement refuses plain HTTP and grants nothing.
      for (const deny of statements.filter((s) => s.Effect !== "Allow")) {
        expect(deny.Effect).toBe("Deny");
        expect(deny.Condition).toEqual({ Bool: { "aws:SecureTransport": "false" } });
      }
    });
  });

  describe("event flow", () => {
    const rules = () => resourcesOfType("AWS::Events::Rule").map(([, r]) => r.Properties);
    const contentRule = () => rules().find((p) => p.EventPattern)!;
    const scheduleRule = () => rules().find((p) => p.ScheduleExpression)!;

    it("routes only Object Created/Deleted of posts (content/*.md, .markdown, .html) in this bucket", () => {
      expect(rules()).toHaveLength(2);
      const pattern = contentRule().EventPattern;
      expect(pattern.source).toEqual(["aws.s3"]);
      expect([...pattern["detail-type"]].sort()).toEqual(["Object Created", "Object Deleted"]);
      expect(pattern.detail.bucket.name).toEqual([{ Ref: "ContentBucket" }]);
      expect(pattern.detail.object.key).toEqual([
        { wildcard: "content/*.md" },
        { wildcard: "content/*.markdown" },
        { wildcard: "content/*.html" },
      ]);
    });

    it("uses a key pattern that matches nested posts and never the publisher's own writes", () => {
      // EventBridge wildcard: `*` matches any run of characters, `/` included.
      const wildcards = (contentRule().EventPattern.detail.object.key as { wildcard: string }[]).map((k) => k.wildcard);
      const matches = (key: string) =>
        wildcards.some((wildcard) =>
          new RegExp(`^${wildcard.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(key),
        );
      expect(matches("content/hello.md")).toBe(true);
      expect(matches("content/2024/05/hello-world.md")).toBe(true);
      expect(matches("content/notes.txt")).toBe(false);
      expect(matches("feeds/rss.xml")).toBe(false);
      expect(matches("state/index.md")).toBe(false);
    });

    it("sends S3 events and the 5-minute schedule to one FIFO queue in one constant message group", () => {
      const queue = get("PublishQueue");
      expect(queue.Properties.FifoQueue).toBe(true);
      expect(queue.Properties.ContentBasedDeduplication).toBe(true);
      const targets = [...contentRule().Targets, ...scheduleRule().Targets];
      expect(targets).toHaveLength(2);
      for (const target of targets) {
        expect(target.Arn).toEqual(getAtt("PublishQueue", "Arn"));
        expect(typeof target.SqsParameters.MessageGroupId).toBe("string");
      }
      expect(new Set(targets.map((t) => t.SqsParameters.MessageGroupId)).size).toBe(1);
      expect(scheduleRule().ScheduleExpression).toBe("rate(5 minutes)");
    });

    it("lets exactly those two rules send to the queue", () => {
      const [, policy] = only("AWS::SQS::QueuePolicy");
      expect(policy.Properties.Queues).toEqual([{ Ref: "PublishQueue" }]);
      const [statement, ...rest] = list(policy.Properties.PolicyDocument.Statement) as Json[];
      expect(rest).toEqual([]);
      expect(statement.Principal).toEqual({ Service: "events.amazonaws.com" });
      expect(list(statement.Action)).toEqual(["sqs:SendMessage"]);
      const ruleIds = resourcesOfType("AWS::Events::Rule").map(([id]) => getAtt(id, "Arn"));
      expect(statement.Condition.ArnEquals["aws:SourceArn"]).toEqual(ruleIds);
    });

    it("dead-letters after 5 receives into a FIFO DLQ that raises an alarm", () => {
      const { RedrivePolicy } = get("PublishQueue").Properties;
      expect(RedrivePolicy).toEqual({
        deadLetterTargetArn: getAtt("PublishDeadLetterQueue", "Arn"),
        maxReceiveCount: 5,
      });
      expect(get("PublishDeadLetterQueue").Properties.FifoQueue).toBe(true);
      const alarm = resourcesOfType("AWS::CloudWatch::Alarm")
        .map(([, r]) => r.Properties)
        .find((p) => JSON.stringify(p.Dimensions).includes("PublishDeadLetterQueue"));
      expect(alarm).toMatchObject({
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: getAtt("PublishDeadLetterQueue", "QueueName") }],
        Threshold: 0,
        ComparisonOperator: "GreaterThanThreshold",
      });
      expect(alarm!.AlarmActions).toEqual([{ Ref: "AlarmTopic" }]);
    });

    it("feeds the function in batches of 10 with partial batch failure reporting", () => {
      const [, mapping] = only("AWS::Lambda::EventSourceMapping");
      expect(mapping.Properties).toMatchObject({
        EventSourceArn: getAtt("PublishQueue", "Arn"),
        FunctionName: getAtt("PublishLambdaFunction", "Arn"),
        BatchSize: 10,
        FunctionResponseTypes: ["ReportBatchItemFailures"],
      });
      // FIFO sources take no batching window.
      expect(mapping.Properties.MaximumBatchingWindowInSeconds).toBeUndefined();
      // The handler reads a batch this size as "more wait behind it" and holds its changes.
      expect(mapping.Properties.BatchSize).toBe(SQS_FIFO_MAX_BATCH);
    });

    it("keeps messages invisible for at least 6x the function timeout", () => {
      const timeout = get("PublishLambdaFunction").Properties.Timeout as number;
      expect(get("PublishQueue").Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * timeout);
    });
  });

  describe("function", () => {
    it("runs the bundled ESM handler on nodejs22.x arm64 without reserved concurrency", () => {
      const [id, fn] = only("AWS::Lambda::Function");
      expect(id).toBe("PublishLambdaFunction");
      expect(fn.Properties).toMatchObject({
        Handler: "dist/publish.handler",
        Runtime: "nodejs22.x",
        Architectures: ["arm64"],
        MemorySize: 1769,
        Timeout: 60,
      });
      // Reserved concurrency 1 would throttle, and SQS would dead-letter good messages.
      expect(fn.Properties.ReservedConcurrentExecutions).toBeUndefined();
      expect(fn.Properties.Environment.Variables).toMatchObject({
        BUCKET: { Ref: "ContentBucket" },
        CACHE_CONTROL: "public, max-age=300, stale-while-revalidate=600",
        PUBLISH_QUEUE_URL: { Ref: "PublishQueue" },
      });
    });

    it("keeps its logs for a bounded time", () => {
      const [, logGroup] = only("AWS::Logs::LogGroup");
      expect(logGroup.Properties.LogGroupName).toBe("/aws/lambda/feedpub-dev-publish");
      expect(logGroup.Properties.RetentionInDays).toBe(30);
    });

    it("logs in Lambda's JSON format, filtered at INFO, into that group", () => {
      for (const from of [template, prodTemplate]) {
        const [, fn] = only("AWS::Lambda::Function", from);
        expect(fn.Properties.LoggingConfig).toEqual({ LogFormat: "JSON", ApplicationLogLevel: "INFO", SystemLogLevel: "INFO" });
      }
      // No LogGroup of its own: the function writes to /aws/lambda/<name>, the group kept 30 days above.
      expect(list(get("PublishLambdaFunction").DependsOn ?? [])).toContain("PublishLogGroup");
    });
  });

  describe("permissions", () => {
    it("grants no wildcard action; only Deny-on-plain-HTTP statements may use one", () => {
      for (const from of [template, prodTemplate]) {
        for (const { where, statement } of allStatements(from)) {
          const actions = list(statement.Action ?? []) as string[];
          if (statement.Effect === "Allow") {
            expect(actions.filter((a) => a.includes("*")), `${where}: ${JSON.stringify(statement)}`).toEqual([]);
            expect(statement.NotAction, where).toBeUndefined();
          } else {
            expect(JSON.stringify(statement.Condition), where).toMatch(/"aws:SecureTransport":"?false"?/);
          }
        }
      }
    });

    it("limits the function's S3 access to content/ (read), state/ and feeds/, plus listing its bucket", () => {
      const role = get("IamRoleLambdaExecution");
      const statements = list(role.Properties.Policies[0].PolicyDocument.Statement) as Json[];
      const s3 = statements.filter((s) => list(s.Action).some((a: string) => a.startsWith("s3:")));
      const grants = new Map<string, string[]>();
      for (const statement of s3) {
        expect(list(statement.Action).every((a: string) => a.startsWith("s3:")), "no statement mixes services").toBe(true);
        for (const resource of list(statement.Resource)) {
          const key = JSON.stringify(resource);
          grants.set(key, [...(grants.get(key) ?? []), ...list(statement.Action)].sort());
        }
      }
      const prefix = (p: string) => JSON.stringify({ "Fn::Sub": `\${ContentBucket.Arn}/${p}/*` });
      expect(Object.fromEntries(grants)).toEqual({
        [prefix("content")]: ["s3:GetObject"],
        [prefix("state")]: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        [prefix("feeds")]: ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
        [JSON.stringify(getAtt("ContentBucket", "Arn"))]: ["s3:ListBucket"],
      });
    });

    it("lets the function consume its own queue, and send to it only (a rescan's continuations, a burst's flush)", () => {
      const role = get("IamRoleLambdaExecution");
      const statements = list(role.Properties.Policies[0].PolicyDocument.Statement) as Json[];
      const sqs = statements.filter((s) => list(s.Action).some((a: string) => a.startsWith("sqs:")));
      expect(sqs).toHaveLength(2);
      for (const s of sqs) expect(list(s.Resource)).toEqual([getAtt("PublishQueue", "Arn")]);
      expect(sqs.flatMap((s) => list(s.Action)).filter((a: string) => a === "sqs:SendMessage")).toHaveLength(1);
    });
  });

  describe("CDN", () => {
    const distribution = () => get("FeedDistribution").Properties.DistributionConfig;

    it("serves the bucket through Origin Access Control, HTTPS, HTTP/2+3 and compression", () => {
      const config = distribution();
      expect(config.HttpVersion).toBe("http2and3");
      expect(config.Origins).toHaveLength(1);
      expect(config.Origins[0]).toMatchObject({
        DomainName: getAtt("ContentBucket", "RegionalDomainName"),
        OriginAccessControlId: getAtt("FeedOriginAccessControl", "Id"),
        S3OriginConfig: { OriginAccessIdentity: "" },
      });
      expect(config.CacheBehaviors).toBeUndefined();
      const behaviour = config.DefaultCacheBehavior;
      expect(["redirect-to-https", "https-only"]).toContain(behaviour.ViewerProtocolPolicy);
      expect(behaviour.Compress).toBe(true);
      expect(behaviour.AllowedMethods).toEqual(["GET", "HEAD"]);
      expect(behaviour.CachePolicyId).toEqual({ Ref: "FeedCachePolicy" });
      expect(behaviour.ResponseHeadersPolicyId).toEqual({ Ref: "FeedResponseHeadersPolicy" });
      expect(get("FeedOriginAccessControl").Properties.OriginAccessControlConfig).toMatchObject({
        OriginAccessControlOriginType: "s3",
        SigningBehavior: "always",
        SigningProtocol: "sigv4",
      });
    });

    it("caches by the origin's Cache-Control with gzip and brotli in the key", () => {
      const config = get("FeedCachePolicy").Properties.CachePolicyConfig;
      expect(config.MinTTL).toBe(0);
      expect(config.DefaultTTL).toBe(300);
      expect(config.MaxTTL).toBeGreaterThanOrEqual(config.DefaultTTL);
      expect(config.ParametersInCacheKeyAndForwardedToOrigin).toMatchObject({
        EnableAcceptEncodingGzip: true,
        EnableAcceptEncodingBrotli: true,
      });
    });

    it("compresses Atom and JSON Feed: the viewer-response function restores their types, on every stage", async () => {
      const code = await readFile(new URL("../../infra/edge/feed-response.js", import.meta.url), "utf8");
      for (const from of [template, prodTemplate]) {
        const fn = from.Resources.FeedResponseFunction!;
        expect(fn.Type).toBe("AWS::CloudFront::Function");
        expect(fn.Properties.FunctionConfig.Runtime).toBe("cloudfront-js-2.0");
        // Published on every deploy: an association runs the LIVE stage only.
        expect(fn.Properties.AutoPublish).toBe(true);
        // The file byte for byte, with no variable resolved inside it.
        expect(fn.Properties.FunctionCode).toBe(code);
        const behaviour = from.Resources.FeedDistribution!.Properties.DistributionConfig.DefaultCacheBehavior;
        expect(behaviour.Compress).toBe(true);
        expect(behaviour.FunctionAssociations).toContainEqual({ EventType: "viewer-response", FunctionARN: getAtt("FeedResponseFunction", "FunctionARN") });
      }
    });

    it("shows a browser's navigation to a feed its page: the viewer-request function, on every stage", async () => {
      const code = await readFile(new URL("../../infra/edge/feed-request.js", import.meta.url), "utf8");
      for (const from of [template, prodTemplate]) {
        expect(resourcesOfType("AWS::CloudFront::Function", from).map(([id]) => id).sort()).toEqual(["FeedRequestFunction", "FeedResponseFunction"]);
        const fn = from.Resources.FeedRequestFunction!;
        expect(fn.Properties.FunctionConfig.Runtime).toBe("cloudfront-js-2.0");
        expect(fn.Properties.AutoPublish).toBe(true);
        expect(fn.Properties.FunctionCode).toBe(code);
        const behaviour = from.Resources.FeedDistribution!.Properties.DistributionConfig.DefaultCacheBehavior;
        expect(behaviour.FunctionAssociations).toEqual([
          { EventType: "viewer-request", FunctionARN: getAtt("FeedRequestFunction", "FunctionARN") },
          { EventType: "viewer-response", FunctionARN: getAtt("FeedResponseFunction", "FunctionARN") },
        ]);
      }
    });

    it("keys the cache on the normalised Accept-Encoding and nothing else a viewer sends", () => {
      const parameters = get("FeedCachePolicy").Properties.CachePolicyConfig.ParametersInCacheKeyAndForwardedToOrigin;
      expect(parameters).toEqual({
        EnableAcceptEncodingGzip: true,
        EnableAcceptEncodingBrotli: true,
        CookiesConfig: { CookieBehavior: "none" },
        HeadersConfig: { HeaderBehavior: "none" },
        QueryStringsConfig: { QueryStringBehavior: "none" },
      });
      // Caching must stay on for the compressed copies to be kept: not every TTL may be 0.
      const config = get("FeedCachePolicy").Properties.CachePolicyConfig;
      expect(config.DefaultTTL).toBeGreaterThan(0);
      // No origin request policy: it could only forward what the cache key already has.
      expect(distribution().DefaultCacheBehavior.OriginRequestPolicyId).toBeUndefined();
    });

    it("answers with CORS * for GET/HEAD and nosniff", () => {
      const config = get("FeedResponseHeadersPolicy").Properties.ResponseHeadersPolicyConfig;
      expect(config.CorsConfig.AccessControlAllowOrigins.Items).toEqual(["*"]);
      expect(config.CorsConfig.AccessControlAllowMethods.Items).toEqual(["GET", "HEAD"]);
      expect(config.CorsConfig.AccessControlAllowCredentials).toBe(false);
      expect(config.SecurityHeadersConfig.ContentTypeOptions).toEqual({ Override: true });
    });

    it("takes the custom domain and certificate only when both are given", () => {
      expect(template.Parameters.DomainName!.Default).toBe("");
      expect(prodTemplate.Parameters.DomainName!.Default).toBe("feeds.example.com");
      expect(prodTemplate.Parameters.CertificateArn!.Default).toMatch(/^arn:aws:acm:us-east-1:/);
      const config = distribution();
      expect(config.Aliases).toEqual({ "Fn::If": ["HasCustomDomain", [{ Ref: "DomainName" }], { Ref: "AWS::NoValue" }] });
      expect(config.ViewerCertificate["Fn::If"][0]).toBe("HasCustomDomain");
      expect(config.ViewerCertificate["Fn::If"][2]).toEqual({ CloudFrontDefaultCertificate: true });
    });
  });

  it("outputs the bucket, distribution domain, feed base URL and both queue URLs", () => {
    expect(template.Outputs).toMatchObject({
      BucketName: { Value: { Ref: "ContentBucket" } },
      DistributionDomainName: { Value: getAtt("FeedDistribution", "DomainName") },
      PublishQueueUrl: { Value: { Ref: "PublishQueue" } },
      DeadLetterQueueUrl: { Value: { Ref: "PublishDeadLetterQueue" } },
    });
    expect(JSON.stringify(template.Outputs.FeedBaseUrl!.Value)).toContain("https://${FeedDistribution.DomainName}/feeds/");
  });

  it("names resources per stage so stages can share an account", () => {
    expect(get("PublishQueue").Properties.QueueName).toBe("feedpub-dev-publish.fifo");
    expect(prodTemplate.Resources.PublishQueue!.Properties.QueueName).toBe("feedpub-prod-publish.fifo");
  });
});
