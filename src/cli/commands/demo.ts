// PLACEHOLDER (being written by the nn helper): a small training demo.
import type { Command } from "commander";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("train a small MLP on a synthetic task (placeholder)")
    .action(() => {
      console.log("tinygrow demo: not implemented yet");
    });
}
