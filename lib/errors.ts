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

/**
 * A problem with one post's input, found by code that does not know which file it reads (front
 * matter, names, dates, URLs). The message is the reason; the caller turns it into a PostError.
 */
export class InputError extends Error {
  override readonly name: string = "InputError";
}

/** The front matter cannot be split from the body or read as a YAML mapping. */
export class FrontMatterError extends InputError {
  override readonly name: string = "FrontMatterError";
}

/** A category or tag that cannot name a feed. */
export class NameError extends InputError {
  override readonly name: string = "NameError";
}

/** Why a date string was not understood; the caller adds the field. */
export class DateFormatError extends InputError {
  override readonly name: string = "DateFormatError";
}

/** An input larger than a configured limit; `limit` is the limit's config key ("feeds.limits.post_bytes"). */
export class LimitError extends InputError {
  override readonly name: string = "LimitError";
  constructor(
    readonly limit: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
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

/** An object is larger than the caller allowed; it was not read. */
export class TooLargeError extends Error {
  override readonly name = "TooLargeError";
  constructor(
    readonly key: string,
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`"${key}" is ${size} bytes, more than the ${maxBytes} allowed`);
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

/** A bug met while handling one post: not the post's fault, so never a rejection; names the post. */
export class PostBugError extends Error {
  override readonly name = "PostBugError";
  constructor(
    readonly key: string,
    cause: unknown,
  ) {
    const error = cause instanceof Error ? cause : new Error(String(cause));
    super(`${key}: unexpected ${error.name}: ${error.message}`, { cause });
  }
}
