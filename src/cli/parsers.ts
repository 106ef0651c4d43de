/** Typed parsers for command-line option values; a bad value is a usage error naming the expectation. */
import { InvalidArgumentError } from "commander";

export function intArg(value: string): number {
  const n = Number(value);
  if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("expected an integer.");
  return n;
}

/** A decimal number (1e-3, .5, -2): Number() would also take "0x10", "0b1", "0o7" and "". */
export function floatArg(value: string): number {
  const n = Number(value);
  if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(value) || !Number.isFinite(n)) throw new InvalidArgumentError("expected a finite decimal number.");
  return n;
}

/** A decimal number > 0 (a tolerance, a rate). */
export function positiveFloatArg(value: string): number {
  const n = floatArg(value);
  if (!(n > 0)) throw new InvalidArgumentError("expected a number > 0.");
  return n;
}

/** Comma-separated integers, e.g. "0,1,2". */
export function intListArg(value: string): number[] {
  return value.split(",").map((part) => intArg(part));
}

/** Comma-separated finite numbers, e.g. "0,1e-6,1e-5". */
export function floatListArg(value: string): number[] {
  return value.split(",").map((part) => floatArg(part));
}

/** Comma-separated words, e.g. "whole,restricted,bic". */
export function listArg(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
