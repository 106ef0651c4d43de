/**
 * `tinygrow view RUN_DIR`: the run (or study) in a local web page, replayed when finished and
 * followed live while it runs (src/node/view/server.ts). Listens on 127.0.0.1 unless --host
 * says otherwise: the page shows the run's configuration and paths, so it is not exposed to
 * the network by default.
 */
import type { Command } from "commander";
import { InvalidArgumentError } from "commander";
import { startViewServer } from "../../node/view/server.js";
import { intArg } from "../parsers.js";

export const DEFAULT_VIEW_PORT = 8417;

function portArg(value: string): number {
  const n = intArg(value);
  if (n < 0 || n > 65535) throw new InvalidArgumentError("expected a port number from 0 to 65535 (0: any free port).");
  return n;
}

export function registerView(program: Command): void {
  program
    .command("view")
    .description("watch a run grow: a local web page with the DAG at every step, the curves and each step's candidates; follows running runs live")
    .argument("<run-dir>", "a run folder (manifest.json + log.jsonl) or a study folder (compare, teacher-student, mnist, …)")
    .option("--port <n>", `port to listen on, 0 for any free port (default: ${DEFAULT_VIEW_PORT})`, portArg)
    .option("--host <host>", "interface to listen on (default: 127.0.0.1, this machine only; another value exposes the run to the network)")
    .addHelpText("after", "\nKeys in the page: ← / → previous / next step, space play / pause, Home / End first / last step.\nThe address (…/viewer/?run=whole/seed-0&step=3) links to a run and a step.")
    .action(async (runDir: string, options: { port?: number; host?: string }) => {
      const view = await startViewServer(runDir, { port: options.port ?? DEFAULT_VIEW_PORT, host: options.host ?? "127.0.0.1" });
      process.stdout.write(`tinygrow view: ${view.url}  (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          void view.close().then(resolve);
        };
        process.once("SIGINT", stop);
        process.once("SIGTERM", stop);
      });
    });
}
