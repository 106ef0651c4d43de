/**
 * `tinygrow worker --queue redis://HOST:PORT`: serves sweep jobs from a BullMQ queue until
 * stopped (Ctrl-C / SIGTERM: the running job is interrupted and resumed by another worker
 * from its last checkpoint). Start any number, on any machine that has this tinygrow.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Command } from "commander";
import { ConfigError } from "../../errors.js";
import { runQueueWorker } from "../../node/sweep/queue-worker.js";
import { DEFAULT_QUEUE_NAME, queueTarget } from "../../node/sweep/redis.js";
import { floatArg } from "../parsers.js";
import { sweepVersion } from "./sweep.js";

export function registerWorker(program: Command): void {
  program
    .command("worker")
    .description("take sweep jobs from a Redis queue (see `tinygrow sweep --queue`) and run them, one at a time, until stopped")
    .requiredOption("--queue <url>", "the Redis server: redis://[user:password@]host:port, rediss:// for TLS")
    .option("--queue-name <name>", `BullMQ queue name (default: ${DEFAULT_QUEUE_NAME})`)
    .option("--tls-ca <file>", "PEM file of the CA that signed the Redis server's certificate (rediss://)")
    .option("--work-dir <dir>", "where jobs run when their sweep folder is not shared with this machine (default: ~/.cache/tinygrow/worker)")
    .option("--no-shared", "never write into the sweep folder even when it is visible here: run under --work-dir and send the results back through the queue")
    .option("--lock-seconds <s>", "a job whose worker stops renewing its lock for this long is given to another worker (default: 30)", floatArg)
    .action(async (options: Record<string, unknown>) => {
      const lockSeconds = (options.lockSeconds as number | undefined) ?? 30;
      if (!(lockSeconds >= 1)) throw new ConfigError([{ source: "--lock-seconds", path: "lockSeconds", message: "expected at least 1" }]);
      const target = queueTarget(options.queue as string, (options.queueName as string | undefined) ?? DEFAULT_QUEUE_NAME, options.tlsCa as string | undefined);
      const workDir = resolve(typeof options.workDir === "string" ? options.workDir : join(homedir(), ".cache", "tinygrow", "worker"));
      const stop = new Promise<void>((done) => {
        const onSignal = (signal: NodeJS.Signals): void => {
          process.stderr.write(`worker: ${signal}, stopping\n`);
          done();
        };
        process.once("SIGINT", onSignal);
        process.once("SIGTERM", onSignal);
      });
      const log = (line: string): void => {
        process.stdout.write(`${new Date().toISOString()} ${line}\n`);
      };
      await runQueueWorker({ target, version: sweepVersion(), workDir, shared: options.shared !== false, lockMs: Math.round(lockSeconds * 1000), log }, stop);
    });
}
