/**
 * The candidate table of a growth step: every candidate the step evaluated with its γ, its
 * score under the step's criterion (lower is better: the train-gr loss, BIC, ΔBIC per added
 * parameter, or whatever criterion the run logged), the parameters it adds and whether it was
 * chosen; above it, the bottleneck of every node before the step. Rows are sorted by score
 * (best first; # is the candidate's place in the log). A step of the whole search space can
 * log hundreds of candidates, and laying out a 667-row table costs the browser ~0.8 s on a
 * loaded machine: the best SHOWN (and the chosen one) are drawn, the rest on request.
 */
import type { LoggedCandidate } from "../../src/view/run-log.js";
import type { StepView } from "../../src/view/timeline.js";
import { el } from "./dom.js";

const SHOWN = 50;

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
  const isChosen = (c: LoggedCandidate): boolean => c.chosen === true || (c.chosen === undefined && c.description === growth.chosen);
  const score = (c: LoggedCandidate): number => (typeof c.score === "number" && Number.isFinite(c.score) ? c.score : Infinity);
  const order = candidates.map((c, i) => ({ c, i })).sort((a, b) => score(a.c) - score(b.c) || a.i - b.i);
  const head = el("tr", {}, ...["#", "candidate", "neurons", "γ", `score (${criterion}) ↑`, "train-gr loss", "BIC", "added params", "chosen", ""].map((h) => el("th", {}, h)));
  const row = ({ c, i }: { c: LoggedCandidate; i: number }): HTMLElement =>
    el(
      "tr",
      { class: isChosen(c) ? "chosen" : c.skipped ? "skipped" : "", "data-candidate": c.description },
      el("td", {}, i + 1),
      el("td", {}, c.description),
      el("td", {}, c.neurons ?? "–"),
      el("td", {}, fmt(c.gamma, 3)),
      el("td", {}, fmt(c.score ?? null)),
      el("td", {}, fmt(c.lossGr ?? null)),
      el("td", {}, fmt(c.bic ?? null, 5)),
      el("td", {}, typeof c.addedParams === "number" ? c.addedParams.toLocaleString("en-US") : typeof c.params === "number" && typeof growth.paramsBefore === "number" ? (c.params - growth.paramsBefore).toLocaleString("en-US") : "–"),
      el("td", {}, isChosen(c) ? "✓" : ""),
      el("td", { class: "note" }, c.skipped ?? ""),
    );
  if (candidates.length === 0) {
    table.replaceChildren(el("p", { class: "empty" }, "The step logged no candidates."));
    return;
  }
  const shown = order.filter((o, rank) => rank < SHOWN || isChosen(o.c));
  const body = el("tbody", {}, ...shown.map(row));
  const parts: HTMLElement[] = [el("table", { id: "candidate-table" }, el("thead", {}, head), body)];
  if (shown.length < order.length) {
    const more = el("button", { id: "all-candidates" }, `show all ${order.length} candidates (${order.length - shown.length} more)`);
    more.addEventListener("click", () => {
      body.replaceChildren(...order.map(row));
      more.remove();
    });
    parts.push(more);
  }
  table.replaceChildren(...parts);
}
