import { beforeAll, describe, expect, it } from "vitest";
import { checkTemplate, findCycles, loadSpecSource, type SpecSource } from "../../scripts/check-template.js";

let spec: SpecSource;
beforeAll(async () => {
  spec = await loadSpecSource();
});

type Template = { Resources: Record<string, Record<string, unknown>> } & Record<string, unknown>;

/** A small valid template; each test gets a fresh copy to break one thing in. */
function validTemplate(): Template {
  return {
    AWSTemplateFormatVersion: "2010-09-09",
    Parameters: { DomainName: { Type: "String", Default: "" } },
    Conditions: { HasDomain: { "Fn::Not": [{ "Fn::Equals": [{ Ref: "DomainName" }, ""] }] } },
    Resources: {
      Bucket: {
        Type: "AWS::S3::Bucket",
        Properties: {
          VersioningConfiguration: { Status: "Enabled" },
          PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true },
          LifecycleConfiguration: {
            Rules: [{ Status: "Enabled", NoncurrentVersionExpiration: { NoncurrentDays: 30 } }],
          },
        },
      },
      Queue: {
        Type: "AWS::SQS::Queue",
        Properties: { FifoQueue: true, VisibilityTimeout: 360, Tags: [{ Key: "app", Value: "feedpub" }] },
      },
      Role: {
        Type: "AWS::IAM::Role",
        Properties: {
          AssumeRolePolicyDocument: {
            Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
          },
          Policies: [
            {
              PolicyName: "read",
              PolicyDocument: {
                Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: { "Fn::Sub": "${Bucket.Arn}/content/*" } }],
              },
            },
          ],
        },
      },
      Function: {
        Type: "AWS::Lambda::Function",
        DependsOn: ["Role"],
        Properties: {
          Code: { ZipFile: "export const handler = async () => ({});" },
          Handler: "index.handler",
          Runtime: "nodejs22.x",
          Role: { "Fn::GetAtt": ["Role", "Arn"] },
          Environment: {
            Variables: {
              BUCKET: { Ref: "Bucket" },
              REGION: { "Fn::Sub": "${AWS::Region} ${!NotAReference}" },
              DOMAIN: { "Fn::If": ["HasDomain", { Ref: "DomainName" }, { Ref: "AWS::NoValue" }] },
            },
          },
        },
      },
      Mapping: {
        Type: "AWS::Lambda::EventSourceMapping",
        Properties: {
          FunctionName: { Ref: "Function" },
          EventSourceArn: { "Fn::GetAtt": "Queue.Arn" },
          FunctionResponseTypes: ["ReportBatchItemFailures"],
        },
      },
      Custom: {
        Type: "Custom::Anything",
        Properties: { ServiceToken: { "Fn::GetAtt": ["Function", "Arn"] }, Whatever: { Nested: true } },
      },
    },
    Outputs: {
      QueueUrl: { Value: { Ref: "Queue" } },
      CustomValue: { Value: { "Fn::GetAtt": ["Custom", "AnyAttributeAtAll"] } },
    },
  };
}

function resource(template: Template, logicalId: string): Record<string, any> {
  const found = template.Resources[logicalId];
  if (!found) throw new Error(`no resource ${logicalId}`);
  return found;
}

describe("checkTemplate", () => {
  it("finds nothing wrong in a valid template", () => {
    expect(checkTemplate(validTemplate(), spec)).toEqual([]);
  });

  it("reports a misspelled property and suggests the right name", () => {
    const template = validTemplate();
    const bucket = resource(template, "Bucket");
    bucket.Properties.VersioningConfiguraton = bucket.Properties.VersioningConfiguration;
    delete bucket.Properties.VersioningConfiguration;

    expect(checkTemplate(template, spec)).toEqual([
      'Resources.Bucket.Properties.VersioningConfiguraton: unknown property of AWS::S3::Bucket (did you mean "VersioningConfiguration"?)',
    ]);
  });

  it("reports a misspelled property inside a nested property type", () => {
    const template = validTemplate();
    resource(template, "Bucket").Properties.LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration = {
      NoncurrentDay: 30,
    };

    expect(checkTemplate(template, spec)).toEqual([
      'Resources.Bucket.Properties.LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration.NoncurrentDay: unknown property of NoncurrentVersionExpiration (did you mean "NoncurrentDays"?)',
      'Resources.Bucket.Properties.LifecycleConfiguration.Rules[0].NoncurrentVersionExpiration: NoncurrentVersionExpiration requires property "NoncurrentDays"',
    ]);
  });

  it("reports a missing required property", () => {
    const template = validTemplate();
    delete resource(template, "Function").Properties.Role;

    expect(checkTemplate(template, spec)).toEqual([
      'Resources.Function.Properties: AWS::Lambda::Function requires property "Role"',
    ]);
  });

  it("reports a missing required property of a nested type", () => {
    const template = validTemplate();
    resource(template, "Bucket").Properties.LifecycleConfiguration = {};

    expect(checkTemplate(template, spec)).toEqual([
      'Resources.Bucket.Properties.LifecycleConfiguration: LifecycleConfiguration requires property "Rules"',
    ]);
  });

  it("reports a GetAtt to an attribute the type does not have, in both GetAtt forms and in Sub", () => {
    const template = validTemplate();
    resource(template, "Function").Properties.Role = { "Fn::GetAtt": ["Role", "Arm"] };
    resource(template, "Mapping").Properties.EventSourceArn = { "Fn::GetAtt": "Queue.Url" };
    resource(template, "Role").Properties.Policies[0].PolicyDocument.Statement[0].Resource = {
      "Fn::Sub": "${Bucket.Url}/content/*",
    };

    expect(checkTemplate(template, spec)).toEqual([
      'Resources.Role.Properties.Policies[0].PolicyDocument.Statement[0].Resource: AWS::S3::Bucket has no attribute "Url"',
      'Resources.Function.Properties.Role: AWS::IAM::Role has no attribute "Arm" (did you mean "Arn"?)',
      'Resources.Mapping.Properties.EventSourceArn: AWS::SQS::Queue has no attribute "Url"',
    ]);
  });

  it("reports a GetAtt to a resource that does not exist", () => {
    const template = validTemplate();
    resource(template, "Function").Properties.Role = { "Fn::GetAtt": ["MissingRole", "Arn"] };

    expect(checkTemplate(template, spec)).toEqual([
      'Resources.Function.Properties.Role: GetAtt names "MissingRole", which is not a resource',
    ]);
  });

  it("reports a Ref and a Sub reference to nothing", () => {
    const template = validTemplate();
    const variables = resource(template, "Function").Properties.Environment.Variables;
    variables.BUCKET = { Ref: "Buckett" };
    variables.REGION = { "Fn::Sub": "${AWS::Region}-${Stage}" };

    expect(checkTemplate(template, spec)).toEqual([
      'Resources.Function.Properties.Environment.Variables.BUCKET: Ref names "Buckett", which is not a resource, parameter or pseudo parameter',
      'Resources.Function.Properties.Environment.Variables.REGION: Fn::Sub refers to "Stage", which is not a resource, parameter or pseudo parameter',
    ]);
  });

  it("accepts Sub names defined in its own variable map", () => {
    const template = validTemplate();
    resource(template, "Function").Properties.Environment.Variables.REGION = {
      "Fn::Sub": ["${Stage}-${AWS::Region}", { Stage: { Ref: "DomainName" } }],
    };

    expect(checkTemplate(template, spec)).toEqual([]);
  });

  it("reports a Ref in Outputs to nothing", () => {
    const template = validTemplate();
    template.Outputs = { Missing: { Value: { Ref: "Nothing" } } };

    expect(checkTemplate(template, spec)).toEqual([
      'Outputs.Missing.Value: Ref names "Nothing", which is not a resource, parameter or pseudo parameter',
    ]);
  });

  it("reports a two-resource dependency cycle", () => {
    const template = validTemplate();
    template.Resources.DeadLetters = {
      Type: "AWS::SQS::Queue",
      Properties: {
        FifoQueue: true,
        RedriveAllowPolicy: { redrivePermission: "byQueue", sourceQueueArns: [{ "Fn::GetAtt": ["Queue", "Arn"] }] },
      },
    };
    resource(template, "Queue").Properties.RedrivePolicy = {
      deadLetterTargetArn: { "Fn::GetAtt": ["DeadLetters", "Arn"] },
      maxReceiveCount: 5,
    };

    expect(checkTemplate(template, spec)).toEqual(["Resources: dependency cycle DeadLetters -> Queue -> DeadLetters"]);
  });

  it("counts DependsOn and Sub as dependencies when looking for cycles", () => {
    const template = validTemplate();
    resource(template, "Role").DependsOn = "Function";

    expect(checkTemplate(template, spec)).toEqual(["Resources: dependency cycle Function -> Role -> Function"]);
  });

  it("reports a DependsOn to a resource that does not exist", () => {
    const template = validTemplate();
    resource(template, "Function").DependsOn = ["Role", "Roel"];

    expect(checkTemplate(template, spec)).toEqual(['Resources.Function.DependsOn: "Roel" is not a resource']);
  });

  it("reports a resource type AWS does not have", () => {
    const template = validTemplate();
    resource(template, "Queue").Type = "AWS::SQS::Queues";

    expect(checkTemplate(template, spec)).toEqual([
      'Resources.Queue.Type: "AWS::SQS::Queues" is not a CloudFormation resource type',
    ]);
  });

  it("reports an undefined condition, and checks both branches of Fn::If", () => {
    const template = validTemplate();
    resource(template, "Bucket").Properties.VersioningConfiguration = {
      "Fn::If": ["HasDomian", { Status: "Enabled" }, { Statuss: "Suspended" }],
    };

    expect(checkTemplate(template, spec)).toEqual([
      'Resources.Bucket.Properties.VersioningConfiguration.Statuss: unknown property of VersioningConfiguration (did you mean "Status"?)',
      'Resources.Bucket.Properties.VersioningConfiguration: VersioningConfiguration requires property "Status"',
      'Resources.Bucket.Properties.VersioningConfiguration: condition "HasDomian" is not defined in Conditions',
    ]);
  });

  it("reports a value outside a property's allowed values and a list where one value belongs", () => {
    const template = validTemplate();
    resource(template, "Bucket").Properties.VersioningConfiguration = { Status: "enabled" };
    resource(template, "Function").Properties.Handler = ["index.handler"];

    expect(checkTemplate(template, spec)).toEqual([
      'Resources.Bucket.Properties.VersioningConfiguration.Status: "enabled" is not one of Enabled, Suspended',
      "Resources.Function.Properties.Handler: expected a single value, got a list",
    ]);
  });

  it("reports a misspelled resource attribute such as DependsOn", () => {
    const template = validTemplate();
    resource(template, "Function").DependOn = ["Role"];

    expect(checkTemplate(template, spec)).toContain(
      'Resources.Function.DependOn: unknown resource attribute (did you mean "DependsOn"?)',
    );
  });
});

describe("findCycles", () => {
  it("finds a self-reference and ignores a diamond", () => {
    const edges = new Map([
      ["A", new Set(["B", "C"])],
      ["B", new Set(["D"])],
      ["C", new Set(["D"])],
      ["D", new Set<string>()],
      ["E", new Set(["E"])],
    ]);

    expect(findCycles(edges)).toEqual([["E", "E"]]);
  });
});
