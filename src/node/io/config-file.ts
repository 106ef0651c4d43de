/** Config files on disk; parsing and merging are the core's (io/config.ts). */
import { readFileSync } from "node:fs";
import { ConfigError } from "../../errors.js";
import { parseConfigText, type ConfigLayer } from "../../io/config.js";

/** Reads a JSON config file; syntax errors name the file, line and column. */
export function readConfigFile(path: string): ConfigLayer {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError([{ source: path, path: "", message: `cannot read config file: ${(err as Error).message}` }]);
  }
  return parseConfigText(text, path);
}
