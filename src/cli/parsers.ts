/** Typed parsers for command-line option values; a bad value is a usage error naming the expectation. */
import { InvalidArgumentError } from "commander";

export function intArg(value: string): number {
  const n = Number(value);
  if (!/^[+-]?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError("expected an integer.");
  return n;
}

export function floatArg(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError("expected a finite number.");
  return n;
}

/** Comma-separated integers, e.g. "0,1,2". */
export function intListArg(value: string): number[] {
  return value.split(",").map((part) => intArg(part));
}

/** Comma-separated words, e.g. "whole,restricted,bic". */
export function listArg(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
