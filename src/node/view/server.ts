/**
 * The `tinygrow view` server: the built page (dist/web) and the run's data on 127.0.0.1.
 *
 *   GET /                 → redirect to /viewer/ (the page, built by Vite)
 *   GET /viewer/…, /assets/…  static files of dist/web
 *   GET /api/events       server-sent events: "folder" (the runs and their states), then
 *                         "records" {run, reset, records} with every complete log line,
 *                         first all of them, then new ones as they are written;
 *                         "layout" {run, layout} the positions of the run's DAG (the union
 *                         of its steps), laid out here by elkjs whenever its structure changes
 *
 * Every log is polled every `pollMs` (default 200 ms), so a new line reaches the page well
 * within a second; polling, not fs.watch, because it behaves the same on every file system.
 */
import { createReadStream, existsSync, statSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { TinygrowError } from "../../errors.js";
import { growCnnUnitEnded } from "../../experiments/grow-cnn-config.js";
import { LOG_FILE } from "../../experiments/growth-run.js";
import { layoutKey, type DagLayout } from "../../view/dag-layout.js";
import { buildTimeline, unionGraph, type Timeline } from "../../view/timeline.js";
import { isUnitRecord, UnitSplitter } from "../../view/unit-logs.js";
import { runStatus } from "../../view/status.js";
import type { FolderInfo, LayoutEvent, RunInfo } from "../../view/protocol.js";
import type { LogRecord } from "../../view/run-log.js";
import { DagLayouts } from "./dag-layouts.js";
import { LogTail } from "./log-tail.js";
import { commandName, folderTitle, openRunFolder, rescanStudy, type OpenedFolder, type RunEntry } from "./run-folders.js";

/** dist/web, next to dist/src where this file is compiled. */
export const WEB_ROOT = resolve(fileURLToPath(new URL("../../../web", import.meta.url)));

export interface ViewOptions {
  port: number;
  host: string;
  pollMs?: number;
  /** Folder of the built page (default dist/web). */
  webRoot?: string;
}

const MIME: Record<string, string> = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".map": "application/json", ".svg": "image/svg+xml", ".json": "application/json", ".png": "image/png", ".wasm": "application/wasm" };

export class ViewError extends TinygrowError {
  constructor(message: string) {
    super("view", message);
  }
}

/** One log file being followed; a grow-cnn log feeds one shown run per unit (src/view/unit-logs.ts). */
interface LogSource {
  entry: RunEntry;
  tail: LogTail;
  problems: string[];
  /** Set once the log turns out to hold units. */
  units: UnitSplitter | null;
}

/** A run as the page shows it: a run folder's log, or one unit of it. */
interface TrackedRun {
  source: LogSource;
  /** The unit's name, for a run that is one unit of its log. */
  unit: string | null;
  records: LogRecord[];
  /** The timeline of `records` (rebuilt when records arrive). */
  timeline: Timeline;
  /** `layoutKey` of the union graph last sent to be laid out, and the newest layout received. */
  layoutKey: string | null;
  layout: DagLayout | null;
}

export interface RunningView {
  url: string;
  server: Server;
  /** Resolves when the DAGs of the runs found at start are laid out (the page then opens without waiting for one). */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Starts the server; rejects with a ViewError when the port is taken or the page is not built. */
export async function startViewServer(path: string, options: ViewOptions): Promise<RunningView> {
  const webRoot = options.webRoot ?? WEB_ROOT;
  if (!existsSync(join(webRoot, "viewer", "index.html"))) {
    throw new ViewError(`the viewer page is not built (${join(webRoot, "viewer", "index.html")} is missing): run npm run build`);
  }
  const opened = openRunFolder(path);
  const sources: LogSource[] = [];
  const runs = new Map<string, TrackedRun>();
  const newRun = (source: LogSource, unit: string | null): TrackedRun => ({ source, unit, records: [], timeline: buildTimeline([]), layoutKey: null, layout: null });
  const track = (entry: RunEntry): void => {
    const source: LogSource = { entry, tail: new LogTail(join(entry.dir, LOG_FILE)), problems: [], units: null };
    sources.push(source);
    runs.set(entry.id, newRun(source, null));
  };
  opened.runs.forEach(track);
  const unitId = (entry: RunEntry, unit: string): string => (entry.id === "." ? unit : `${entry.id}/${unit}`);
  const clients = new Set<ServerResponse>();
  const send = (res: ServerResponse, event: string, data: unknown): void => {
    res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  };
  const broadcast = (event: string, data: unknown): void => clients.forEach((c) => send(c, event, data));
  const layouts = new DagLayouts();
  /** Lays out the run's union graph when its structure changed; the layout is sent when done. */
  const relayout = (id: string, run: TrackedRun): Promise<void> => {
    const union = unionGraph(run.timeline.steps);
    const key = layoutKey(union);
    if (union.nodes.length === 0 || key === run.layoutKey) return Promise.resolve();
    run.layoutKey = key;
    return layouts.layout(union).then(
      (layout) => {
        if (run.layoutKey !== key) return;
        run.layout = layout;
        broadcast("layout", { run: id, layout } satisfies LayoutEvent);
      },
      (err: unknown) => {
        run.source.problems.push(`the network could not be laid out: ${(err as Error).message}`);
      },
    );
  };

  let lastFolder = "";
  const folderInfo = (): FolderInfo => ({
    title: folderTitle(opened),
    root: opened.root,
    // A run folder whose log holds several networks (grow-cnn's units) is shown as a study of them.
    kind: opened.kind === "run" && runs.size > 1 ? "study" : opened.kind,
    command: opened.command,
    runs: [...runs.entries()].map(([id, r]) => describeRun(id, r, opened)),
  });
  /** Reads what the logs gained; returns the layouts it started. */
  const poll = (): Promise<void>[] => {
    const started: Promise<void>[] = [];
    for (const entry of rescanStudy(opened)) {
      opened.runs.push(entry);
      track(entry);
    }
    const add = (id: string, run: TrackedRun, reset: boolean, records: LogRecord[]): void => {
      if (reset) run.records = [];
      run.records.push(...records);
      if (records.length === 0 && !reset) return;
      broadcast("records", { run: id, reset, records });
      run.timeline = buildTimeline(run.records);
      started.push(relayout(id, run));
    };
    for (const source of sources) {
      if (source.entry.problem !== null) continue;
      const update = source.tail.poll();
      if (update === null) continue;
      source.problems.push(...update.problems);
      if (source.units === null && update.records.some(isUnitRecord)) {
        // A log of several networks: one run per unit instead of the log's own.
        source.units = new UnitSplitter();
        runs.delete(source.entry.id);
      }
      if (source.units === null) {
        add(source.entry.id, runs.get(source.entry.id) as TrackedRun, update.reset, update.records);
        continue;
      }
      if (update.reset) source.units = new UnitSplitter();
      const byUnit = source.units.push(update.records);
      for (const [id, run] of runs) if (run.source === source && update.reset) add(id, run, true, byUnit.get(run.unit as string) ?? []);
      for (const [unit, records] of byUnit) {
        const id = unitId(source.entry, unit);
        if (runs.get(id)?.source === source && update.reset) continue;
        if (!runs.has(id)) runs.set(id, newRun(source, unit));
        add(id, runs.get(id) as TrackedRun, false, records);
      }
    }
    const info = JSON.stringify(folderInfo());
    if (info !== lastFolder) {
      lastFolder = info;
      broadcast("folder", JSON.parse(info));
    }
    return started;
  };
  const ready = Promise.all(poll()).then(() => undefined);
  const timer = setInterval(poll, options.pollMs ?? 200);

  const server = createServer((req, res) => {
    try {
      route(req, res);
    } catch (err) {
      res.writeHead(500, { "content-type": "text/plain" }).end((err as Error).message);
    }
  });
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? "/", "http://localhost");
    if (url.pathname === "/") {
      res.writeHead(302, { location: "/viewer/" + url.search }).end();
      return;
    }
    if (url.pathname === "/api/events") {
      res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-store", connection: "keep-alive" });
      clients.add(res);
      req.on("close", () => clients.delete(res));
      send(res, "folder", folderInfo());
      // Layouts first (a few kB): the page's first draw with the records then has them.
      for (const [id, run] of runs) if (run.layout !== null) send(res, "layout", { run: id, layout: run.layout } satisfies LayoutEvent);
      for (const [id, run] of runs) send(res, "records", { run: id, reset: true, records: run.records });
      return;
    }
    serveStatic(webRoot, url.pathname, res);
  };

  await new Promise<void>((resolvePromise, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      clearInterval(timer);
      void layouts.close();
      if (err.code === "EADDRINUSE") reject(new ViewError(`port ${options.port} on ${options.host} is already in use (another tinygrow view?); choose another with --port, e.g. --port ${options.port + 1}, or --port 0 for any free port`));
      else if (err.code === "EADDRNOTAVAIL" || err.code === "ENOTFOUND") reject(new ViewError(`cannot listen on host ${options.host}: ${err.message}`));
      else reject(err);
    });
    server.listen(options.port, options.host, () => resolvePromise());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/viewer/`,
    server,
    ready,
    close: async () => {
      clearInterval(timer);
      clients.forEach((c) => c.end());
      const closed = new Promise<void>((done) => server.close(() => done()));
      server.closeAllConnections();
      await Promise.all([closed, layouts.close()]);
    },
  };
}

function describeRun(id: string, run: TrackedRun, opened: OpenedFolder): RunInfo {
  const { entry, tail, problems } = run.source;
  const timeline = run.timeline;
  const idleSeconds = tail.modifiedMs === 0 ? Infinity : (Date.now() - tail.modifiedMs) / 1000;
  const unitDone = run.unit !== null && growCnnUnitEnded(entry.manifest?.config, run.records, existsSync(join(entry.dir, "report.md")));
  const status = runStatus({ finished: timeline.finished || unitDone, error: timeline.error, records: run.records.length, tornBytes: Buffer.byteLength(tail.partial), idleSeconds });
  const manifest = entry.manifest;
  const config = (manifest?.config ?? {}) as Record<string, unknown>;
  const seed = typeof manifest?.seed === "number" ? manifest.seed : null;
  // Runs that differ only by seed form a group (whole/seed-0, whole/seed-1 → whole); others are their own.
  const group = run.unit ?? (entry.id === "." ? opened.command : entry.id.replace(/\/seed-\d+$/, ""));
  return { id, command: commandName(manifest), group, seed, status, problem: entry.problem, problems: problems.slice(0, 20), kind: typeof config.kind === "string" ? config.kind : null };
}

function serveStatic(webRoot: string, pathname: string, res: ServerResponse): void {
  let rel: string;
  try {
    rel = normalize(decodeURIComponent(pathname)).replace(/^[/\\]+/, "");
  } catch {
    res.writeHead(400).end("bad path");
    return;
  }
  let file = resolve(webRoot, rel);
  if (file !== webRoot && !file.startsWith(webRoot + sep)) {
    res.writeHead(403).end("outside the page folder");
    return;
  }
  if (statSync(file, { throwIfNoEntry: false })?.isDirectory()) file = join(file, "index.html");
  if (!existsSync(file)) {
    res.writeHead(404, { "content-type": "text/plain" }).end(`not found: ${pathname}`);
    return;
  }
  // Vite names every file of assets/ by its content hash: a browser may keep them (and its compiled code) for good.
  const cache = rel.startsWith(`assets${sep}`) || rel.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache";
  res.writeHead(200, { "content-type": MIME[extname(file)] ?? "application/octet-stream", "cache-control": cache });
  createReadStream(file).pipe(res);
}
