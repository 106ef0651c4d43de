/**
 * Redis connections for the sweep queue: `redis://[user:password@]host:port[/db]` or
 * `rediss://…` (TLS; a private CA with `--tls-ca FILE`). The password is never printed:
 * every message and record shows the URL through `redactUrl`, and error texts from the
 * client are scrubbed of it too. A queue that cannot be reached is a QueueError within the
 * connect timeout (a few seconds), not an endless reconnect loop.
 */
import { readFileSync } from "node:fs";
import { Redis, type RedisOptions } from "ioredis";
import { QueueError } from "../../errors.js";

export interface QueueTarget {
  url: string;
  /** The URL with the password replaced by "***" (for messages, logs and sweep.json). */
  redacted: string;
  /** The BullMQ queue name (several sweeps may share one; jobs carry their sweep's id). */
  name: string;
  /** PEM of the CA that signed the server's certificate (rediss://). */
  ca?: string;
}

export const DEFAULT_QUEUE_NAME = "tinygrow";

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== "") u.password = "***";
    return u.toString().replace(/\/$/, "");
  } catch {
    return url.replace(/\/\/([^@/]*)@/, "//***@");
  }
}

/** Checks the URL's form; `caFile` (optional) is read here so a missing file fails early. */
export function queueTarget(url: string, name = DEFAULT_QUEUE_NAME, caFile?: string): QueueTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new QueueError(redactUrl(url), "not a URL; expected redis://[user:password@]host:port or rediss://… (TLS)");
  }
  const redacted = redactUrl(url);
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new QueueError(redacted, `unsupported scheme ${u.protocol}; expected redis:// or rediss:// (TLS)`);
  if (u.hostname === "") throw new QueueError(redacted, "no host; expected redis://host:port");
  if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new QueueError(redacted, `queue name "${name}": use letters, digits, "_", "." and "-"`);
  let ca: string | undefined;
  if (caFile !== undefined) {
    try {
      ca = readFileSync(caFile, "utf8");
    } catch (err) {
      throw new QueueError(redacted, `cannot read the TLS CA file ${caFile}: ${(err as Error).message}`);
    }
  }
  return { url, redacted, name, ...(ca === undefined ? {} : { ca }) };
}

/** Removes the password from any text (client errors can quote the URL). */
export function scrub(target: QueueTarget, text: string): string {
  const pw = safePassword(target.url);
  let out = text.split(target.url).join(target.redacted);
  if (pw !== "") out = out.split(pw).join("***");
  return out;
}

function safePassword(url: string): string {
  try {
    const u = new URL(url);
    return u.password === "" ? "" : decodeURIComponent(u.password);
  } catch {
    return "";
  }
}

function tlsOptions(target: QueueTarget): RedisOptions {
  return target.url.startsWith("rediss:") && target.ca !== undefined ? { tls: { ca: target.ca } } : {};
}

/** A connection for BullMQ (which needs maxRetriesPerRequest null); reconnects after drops. */
export function openConnection(target: QueueTarget, onError: (message: string) => void): Redis {
  const redis = new Redis(target.url, { maxRetriesPerRequest: null, ...tlsOptions(target) });
  let last = "";
  redis.on("error", (err: Error) => {
    const m = scrub(target, err.message);
    if (m !== last) onError(`queue ${target.redacted}: ${m}`);
    last = m;
  });
  return redis;
}

/** Connects once, without retrying, and pings: QueueError naming the (redacted) URL if that fails within `timeoutMs`. */
export async function probeQueue(target: QueueTarget, timeoutMs = 4000): Promise<void> {
  const redis = new Redis(target.url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    ...tlsOptions(target),
  });
  let lastError = "";
  redis.on("error", (err: Error) => (lastError = err.message));
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${(timeoutMs / 1000).toFixed(0)} s`)), timeoutMs);
    });
    await Promise.race([redis.connect().then(() => redis.ping()), timeout]);
  } catch (err) {
    const why = scrub(target, lastError || (err as Error).message);
    throw new QueueError(target.redacted, `cannot reach the queue: ${why}. Is redis-server running there (and the password right)?`);
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}
