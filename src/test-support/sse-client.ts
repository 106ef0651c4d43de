/**
 * Test and benchmark helper: a minimal server-sent-events client over node:http, collecting
 * the events of `tinygrow view`'s /api/events stream.
 */
import { get, type ClientRequest } from "node:http";

export interface SseEvent {
  event: string;
  data: unknown;
  /** performance.now() when the event arrived. */
  at: number;
}

export interface SseClient {
  events: SseEvent[];
  /** Resolves with the first event (already received or future) that satisfies `match`. */
  waitFor(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

export function connectSse(url: string): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const waiters: { match: (e: SseEvent) => boolean; done: (e: SseEvent) => void }[] = [];
    let req: ClientRequest | null = null;
    req = get(url, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET ${url}: HTTP ${res.statusCode}`));
        return;
      }
      res.setEncoding("utf8");
      let buffer = "";
      res.on("data", (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf("\n\n"); end !== -1; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
          const data = block
            .split("\n")
            .filter((l) => l.startsWith("data: "))
            .map((l) => l.slice(6))
            .join("\n");
          const e = { event, data: JSON.parse(data) as unknown, at: performance.now() };
          events.push(e);
          for (const w of [...waiters]) {
            if (w.match(e)) {
              waiters.splice(waiters.indexOf(w), 1);
              w.done(e);
            }
          }
        }
      });
      resolve({
        events,
        waitFor(match, timeoutMs = 10_000) {
          const seen = events.find(match);
          if (seen !== undefined) return Promise.resolve(seen);
          return new Promise((done, fail) => {
            const timer = setTimeout(() => fail(new Error(`no matching event within ${timeoutMs} ms (got ${events.map((x) => x.event).join(", ")})`)), timeoutMs);
            waiters.push({ match, done: (e) => (clearTimeout(timer), done(e)) });
          });
        },
        close: () => req?.destroy(),
      });
    });
    req.on("error", reject);
  });
}
