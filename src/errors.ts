/**
 * Every error tinygrow throws on purpose. Each carries its context as fields (errors as
 * data) and builds its message from them, so callers can both print and inspect it.
 */

export type ErrorCode = "shape" | "config" | "data" | "numerical" | "native-unavailable" | "wasm-unavailable" | "graph" | "training" | "view" | "queue" | "interrupted";

export class TinygrowError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** An operation received arrays whose shapes do not fit together. */
export class ShapeError extends TinygrowError {
  constructor(
    readonly op: string,
    readonly expected: string,
    readonly got: string,
  ) {
    super("shape", `${op}: expected ${expected}, got ${got}`);
  }
}

export interface ConfigIssue {
  /** Where the value came from: a file name, a flag (`--epochs`) or "defaults". */
  source: string;
  /** Dotted path of the field inside the configuration, e.g. `growth.neuronsPerStep`. */
  path: string;
  message: string;
}

/** A configuration (file, flags or API options) failed validation; lists every issue at once. */
export class ConfigError extends TinygrowError {
  constructor(readonly issues: readonly ConfigIssue[]) {
    super("config", "invalid configuration:\n" + issues.map((i) => `  ${i.source}: ${i.path || "(root)"}: ${i.message}`).join("\n"));
  }
}

/** A data file is missing, truncated or malformed. */
export class DataError extends TinygrowError {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly offset?: number,
  ) {
    super("data", `${file}${offset === undefined ? "" : ` (byte ${offset})`}: ${detail}`);
  }
}

/** A numerical routine failed (LAPACK info != 0, non-finite values, a loss that diverged). */
export class NumericalError extends TinygrowError {
  constructor(
    readonly op: string,
    readonly detail: string,
  ) {
    super("numerical", `${op}: ${detail}`);
  }
}

/** The native kernels were requested but could not be loaded. */
export class NativeUnavailableError extends TinygrowError {
  constructor(readonly reason: string) {
    super(
      "native-unavailable",
      `native kernels unavailable: ${reason}\n` +
        "  build them with: apt-get install -y libopenblas-dev g++ make python3 && npm run build:native\n" +
        "  or run with the portable kernels: --kernels portable (TINYGROW_KERNELS=portable)",
    );
  }
}

/** The WebAssembly kernels were requested but cannot run here (no WebAssembly SIMD, or not built). */
export class WasmUnavailableError extends TinygrowError {
  constructor(readonly reason: string) {
    super("wasm-unavailable", `WebAssembly kernels unavailable: ${reason}\n  run with the portable kernels: --kernels portable (TINYGROW_KERNELS=portable)`);
  }
}

/** An invalid graph operation: unknown node, cycle, duplicate edge, bad width. */
export class GraphError extends TinygrowError {
  constructor(message: string) {
    super("graph", message);
  }
}

/** Training stopped: a non-finite loss, naming the step where it happened. */
export class TrainingError extends TinygrowError {
  constructor(
    readonly step: number,
    readonly detail: string,
  ) {
    super("training", `training stopped at step ${step}: ${detail}`);
  }
}

/** A job queue (Redis) cannot be reached or refused a request; `where` is its URL without password. */
export class QueueError extends TinygrowError {
  constructor(
    readonly where: string,
    readonly detail: string,
  ) {
    super("queue", `${where}: ${detail}`);
  }
}

/** A run stopped on request (SIGINT/SIGTERM in the CLI) at a safe point, with a checkpoint written there. */
export class InterruptedError extends TinygrowError {
  constructor(
    /** Why: the signal's name, e.g. "SIGINT". */
    readonly reason: string,
    /** Where the run stopped, for the user: "<run folder>: after growth step 2, epoch 7 of it". */
    readonly where: string,
  ) {
    super("interrupted", `stopped by ${reason} in ${where}; a checkpoint was written there`);
  }
}
