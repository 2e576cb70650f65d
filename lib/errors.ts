/** A post that cannot be published; `key` is its path under content/. */
export class PostError extends Error {
  override readonly name = "PostError";
  constructor(
    readonly key: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${key}: ${reason}`, options);
  }
}

/** The site configuration is invalid; `problems` lists every one found, each naming its key. */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.length === 1 ? problems[0] : `\n  - ${problems.join("\n  - ")}`}`);
  }
}

/** A storage operation failed; `transient` says whether retrying may help. */
export class StorageError extends Error {
  override readonly name = "StorageError";
  constructor(
    readonly key: string,
    readonly op: "get" | "hash" | "put" | "delete" | "list",
    readonly transient: boolean,
    options?: { cause?: unknown },
  ) {
    const detail = options?.cause instanceof Error ? `: ${options.cause.message}` : "";
    super(`[storage] ${op} "${key}" failed${detail}`, options);
  }
}
