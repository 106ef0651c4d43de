/**
 * The candidate table of a growth step: every candidate the step evaluated with its γ, its
 * score under the step's criterion (lower is better: the train-gr loss, BIC, ΔBIC per added
 * parameter, or whatever criterion the run logged), the parameters it adds and whether it was
 * chosen; above it, the bottleneck of every node before the step.
 */
import type { LoggedCandidate } from "../../src/view/run-log.js";
import type { StepView } from "../../src/view/timeline.js";
import { el } from "./dom.js";

const fmt = (v: number | null | undefined, digits = 4): string => (typeof v === "number" && Number.isFinite(v) ? (Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toPrecision(digits)) : "–");

export function renderCandidates(table: HTMLElement, bottlenecks: HTMLElement, outcome: HTMLElement, step: StepView | undefined): void {
  const growth = step?.growth ?? null;
  if (step === undefined || growth === null) {
    outcome.textContent = step === undefined ? "" : step.step === 0 ? "the starting model" : "";
    bottlenecks.replaceChildren();
    table.replaceChildren(el("p", { class: "empty" }, step === undefined ? "" : "No candidates at this step (choose a growth step)."));
    return;
  }
  const criterion = growth.criterion ?? "score";
  outcome.textContent = `step ${step.step}: ${growth.outcome ?? ""}${growth.chosen ? `, chose ${growth.chosen}` : ""}${typeof growth.gamma === "number" ? ` (γ = ${fmt(growth.gamma, 3)})` : ""}`;
  const psi = Object.entries(growth.bottlenecks ?? {}).sort((a, b) => b[1] - a[1]);
  bottlenecks.replaceChildren(
    ...(psi.length === 0 ? [] : [el("span", {}, "bottleneck Ψ before the step:")]),
    ...psi.map(([node, v], i) => el("span", { class: node === growth.bottleneckNode || (growth.bottleneckNode == null && i === 0) ? "top" : "", "data-node": node }, `${node} ${fmt(v, 3)}`)),
  );
  const candidates: LoggedCandidate[] = growth.candidates ?? [];
  const head = el("tr", {}, ...["#", "candidate", "neurons", "γ", `score (${criterion})`, "train-gr loss", "BIC", "added params", "chosen", ""].map((h) => el("th", {}, h)));
  const rows = candidates.map((c, i) =>
    el(
      "tr",
      { class: c.chosen === true || (c.chosen === undefined && c.description === growth.chosen) ? "chosen" : c.skipped ? "skipped" : "", "data-candidate": c.description },
      el("td", {}, i + 1),
      el("td", {}, c.description),
      el("td", {}, c.neurons ?? "–"),
      el("td", {}, fmt(c.gamma, 3)),
      el("td", {}, fmt(c.score ?? null)),
      el("td", {}, fmt(c.lossGr ?? null)),
      el("td", {}, fmt(c.bic ?? null, 5)),
      el("td", {}, typeof c.addedParams === "number" ? c.addedParams.toLocaleString("en-US") : typeof c.params === "number" && typeof growth.paramsBefore === "number" ? (c.params - growth.paramsBefore).toLocaleString("en-US") : "–"),
      el("td", {}, c.chosen === true || (c.chosen === undefined && c.description === growth.chosen) ? "✓" : ""),
      el("td", { class: "note" }, c.skipped ?? ""),
    ),
  );
  table.replaceChildren(candidates.length === 0 ? el("p", { class: "empty" }, "The step logged no candidates.") : el("table", { id: "candidate-table" }, el("thead", {}, head), el("tbody", {}, ...rows)));
}
