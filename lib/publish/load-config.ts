import { CONFIG_FILE, parseConfig, type SiteConfig } from "../config.js";
import { ConfigError } from "../errors.js";
import type { Storage } from "../storage/types.js";

/** Reads and validates `_config.yml` from the content root. */
export async function loadConfig(content: Storage): Promise<SiteConfig> {
  const bytes = await content.get(CONFIG_FILE);
  if (!bytes) throw new ConfigError(CONFIG_FILE, [`not found: the content folder needs a ${CONFIG_FILE} with at least title and url`]);
  return parseConfig(new TextDecoder().decode(bytes), CONFIG_FILE);
}
