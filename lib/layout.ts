/**
 * The bucket's layout, in one place: authors upload posts under content/, the function writes the
 * feeds CloudFront serves under feeds/ and its index state under state/. IAM (serverless.yml), the
 * EventBridge rule (infra/queue.yml) and CloudFront's origin path (infra/cdn.yml) name the same three.
 */
export const CONTENT_PREFIX = "content/";
export const FEEDS_PREFIX = "feeds/";
export const STATE_PREFIX = "state/";
