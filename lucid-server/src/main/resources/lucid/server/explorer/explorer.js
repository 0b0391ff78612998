"use strict";
// The generation explorer: streams a completion with Lucid's trace and shows every step; a click
// opens the step's attention and logit lens; "branch" continues from another candidate.

const $ = id => document.getElementById(id);
const el = (tag, attrs, text) => {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};
const svgEl = (tag, attrs) => {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
};
const pct = p => (p >= 0.995 ? "1.00" : p.toFixed(2));
const show = t => t.replace(/\n/g, "⏎").replace(/\t/g, "→");
const heat = w => `hsl(220, 80%, ${Math.round(97 - 60 * Math.min(1, Math.max(0, w)))}%)`;

// Tokens that hold part of a character show those bytes as "<0xE4>" (byte-fallback tokens, or
// byte-level tokens such as "的<0xF0>"); consecutive ones that together spell characters are
// shown as those characters.
const ESCAPE = /<0x([0-9A-Fa-f]{2})>/g;
const hasEscape = t => t.search(ESCAPE) >= 0;
function bytesOf(text) {
  const utf8 = new TextEncoder(), out = [];
  let last = 0;
  for (const m of text.matchAll(ESCAPE)) {
    out.push(...utf8.encode(text.slice(last, m.index)), parseInt(m[1], 16));
    last = m.index + m[0].length;
  }
  out.push(...utf8.encode(text.slice(last)));
  return out;
}
function joinTexts(texts) {
  let out = "", pending = [];
  const utf8 = new TextDecoder("utf-8", { fatal: true });
  const flush = () => { out += pending.join(""); pending = []; };
  for (const t of texts) {
    if (!pending.length && !hasEscape(t)) { out += t; continue; }
    pending.push(t);
    try { out += utf8.decode(new Uint8Array(pending.flatMap(bytesOf))); pending = []; }
    catch (e) { if (pending.length >= 4) flush(); } // never a valid character: show the bytes
  }
  flush();
  return out;
}

let branches = [];      // {id, promptTokens: [{id,text}], steps: [...], table, title}
let selected = null;    // {branch, index}
let selectedHead = null;
let controller = null;

fetch("/v1/models").then(r => r.json()).then(j => { $("model").textContent = "model: " + j.data[0].id; }).catch(() => {});

function settings() {
  const num = id => Number($(id).value);
  return { max_tokens: num("max_tokens"), temperature: num("temperature"), top_k: num("top_k"), top_p: num("top_p"),
           min_p: num("min_p"), seed: num("seed") };
}

$("controls").addEventListener("submit", ev => {
  ev.preventDefault();
  branches = [];
  $("branches").replaceChildren();
  $("detail").hidden = true;
  run($("prompt").value, null);
});
$("stop").addEventListener("click", () => controller && controller.abort());

/** Streams one completion into a new branch column. prompt: text, or an array of token ids (a branch). */
async function run(prompt, fromBranch) {
  $("error").textContent = "";
  const branch = { id: branches.length, promptTokens: null, steps: [], from: fromBranch };
  branches.push(branch);
  makeColumn(branch);
  const body = Object.assign(settings(), { prompt, stream: true, trace: { top: 5, full_attention: true, lens: true } });
  controller = new AbortController();
  $("generate").disabled = true; $("stop").disabled = false;
  try {
    const response = await fetch("/v1/completions", { method: "POST", headers: { "Content-Type": "application/json" },
                                                       body: JSON.stringify(body), signal: controller.signal });
    if (!response.ok) {
      const j = await response.json().catch(() => ({}));
      throw new Error((j.error && j.error.message) || ("HTTP " + response.status));
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        for (const line of event.split("\n")) {
          if (!line.startsWith("data: ")) continue;
          const data = line.slice(6);
          if (data === "[DONE]") continue;
          const chunk = JSON.parse(data);
          if (chunk.error) throw new Error(chunk.error.message);
          if (chunk.trace_prompt) branch.promptTokens = chunk.trace_prompt;
          for (const step of chunk.trace_steps || []) addStep(branch, step);
          const choice = chunk.choices && chunk.choices[0];
          if (choice && choice.finish_reason) branch.title.textContent = `branch ${branch.id + 1} · ${branch.steps.length} steps · ${choice.finish_reason}`;
        }
      }
    }
  } catch (e) {
    if (e.name !== "AbortError") $("error").textContent = e.message;
  } finally {
    $("generate").disabled = false; $("stop").disabled = true;
  }
}

function makeColumn(branch) {
  const col = el("section", { class: "branch", "data-branch": branch.id });
  const h = el("h2");
  branch.title = el("span", {}, `branch ${branch.id + 1}`);
  h.appendChild(branch.title);
  if (branch.from) h.appendChild(el("span", { class: "muted" }, `from branch ${branch.from.branch + 1}, step ${branch.from.index + 1}`));
  col.appendChild(h);
  const table = el("table", { class: "steps" });
  const head = el("tr");
  for (const name of ["step", "text so far", "attention focus", "top candidates", "entropy"]) head.appendChild(el("th", {}, name));
  table.appendChild(head);
  col.appendChild(table);
  branch.table = table;
  $("branches").appendChild(col);
}

function tokensBefore(branch, index) {
  return (branch.promptTokens || []).concat(branch.steps.slice(0, index).map(s => s.token));
}

function addStep(branch, step) {
  const index = branch.steps.length;
  branch.steps.push(step);
  const row = el("tr", { class: "step", "data-step": index });
  row.appendChild(el("td", {}, String(index + 1)));
  // text so far, with the tokens the new token's query attended to shaded by weight
  const textCell = el("td", { class: "text" });
  const before = tokensBefore(branch, index);
  const weights = new Array(before.length).fill(0);
  if (step.attention) {
    weights[0] = step.attention.sink;
    for (const f of step.attention.focus) weights[f.position] = f.weight;
  }
  let run = [], runWeight = 0;
  const flush = () => {
    if (!run.length) return;
    const span = el("span", { class: "tok", title: `attention ${pct(runWeight)}` }, show(joinTexts(run)));
    span.style.background = heat(runWeight);
    textCell.appendChild(span);
    run = []; runWeight = 0;
  };
  before.forEach((t, i) => {
    run.push(t.text); runWeight += weights[i] || 0;
    if (run.length >= 4 || !hasEscape(joinTexts(run))) flush(); // a span per whole character
  });
  flush();
  const chosen = el("span", { class: "tok chosen" }, show(joinTexts([step.token.text])));
  textCell.appendChild(chosen);
  row.appendChild(textCell);
  // attention focus
  const focus = step.attention ? ["sink " + pct(step.attention.sink)].concat(step.attention.focus.map(f => `${JSON.stringify(f.text)} ${pct(f.weight)}`)).join(" · ") : "";
  row.appendChild(el("td", {}, focus));
  // candidates as bars, each with a branch button
  const cands = el("td", { class: "cands" });
  const max = Math.max(...step.candidates.map(c => c.prob), 1e-9);
  for (const c of step.candidates) {
    const line = el("div", { class: "cand" + (c.id === step.token.id ? " picked" : ""), "data-candidate": c.id });
    line.appendChild(el("span", { class: "label", title: c.text }, JSON.stringify(c.text)));
    const track = el("div");
    const bar = el("div", { class: "bar" });
    bar.style.width = `${(100 * c.prob / max).toFixed(1)}%`;
    track.appendChild(bar);
    line.appendChild(track);
    if (c.id === step.token.id) {
      line.appendChild(el("span", {}, pct(c.prob)));
    } else {
      const button = el("button", { type: "button", class: "branch-here", title: `continue with ${JSON.stringify(c.text)} instead` }, pct(c.prob) + " ⑂");
      button.addEventListener("click", ev => { ev.stopPropagation(); branchFrom(branch, index, c.id); });
      line.appendChild(button);
    }
    cands.appendChild(line);
  }
  row.appendChild(cands);
  row.appendChild(el("td", { class: "entropy" }, step.entropy.toFixed(2)));
  row.addEventListener("click", () => select(branch, index));
  branch.table.appendChild(row);
}

/** A new branch: the same prompt and steps up to index, then another candidate (the server reuses the cached prefix). */
function branchFrom(branch, index, candidateId) {
  const ids = tokensBefore(branch, index).map(t => t.id).concat([candidateId]);
  run(ids, { branch: branch.id, index });
}

function select(branch, index) {
  selected = { branch, index };
  selectedHead = null;
  document.querySelectorAll("tr.step.selected").forEach(r => r.classList.remove("selected"));
  const row = branch.table.querySelector(`tr.step[data-step="${index}"]`);
  if (row) row.classList.add("selected");
  const step = branch.steps[index];
  $("detail").hidden = false;
  $("detail-title").textContent = `Branch ${branch.id + 1}, step ${index + 1}: chose ${JSON.stringify(step.token.text)} (p ${pct(step.prob)}, rank ${step.rank})`;
  heatmap(step);
  lens(step);
}

function heatmap(step) {
  const box = $("heatmap");
  box.replaceChildren();
  const layers = step.attention && step.attention.layers;
  if (!layers) { box.textContent = "(no per-head attention recorded)"; return; }
  const heads = layers[0].length, cell = 18, left = 34, top = 16;
  const svg = svgEl("svg", { width: left + heads * cell + 4, height: top + layers.length * cell + 4, id: "heat" });
  for (let h = 0; h < heads; h++) {
    const t = svgEl("text", { x: left + h * cell + cell / 2, y: 11, "text-anchor": "middle" }); t.textContent = h; svg.appendChild(t);
  }
  layers.forEach((row, l) => {
    const t = svgEl("text", { x: 2, y: top + l * cell + 13 }); t.textContent = "L" + l; svg.appendChild(t);
    row.forEach((w, h) => {
      const offSink = w.length > 1 ? Math.max(...w.slice(1)) : 0;
      const r = svgEl("rect", { x: left + h * cell, y: top + l * cell, width: cell - 2, height: cell - 2, fill: heat(offSink), "data-layer": l, "data-head": h });
      const tip = svgEl("title"); tip.textContent = `layer ${l}, head ${h}: strongest ${pct(offSink)}, sink ${pct(w[0])}`; r.appendChild(tip);
      r.addEventListener("click", () => { selectedHead = [l, h]; headPositions(step); });
      svg.appendChild(r);
    });
  });
  box.appendChild(svg);
  headPositions(step);
}

function headPositions(step) {
  const box = $("head-positions");
  box.replaceChildren();
  if (!selectedHead || !selected) return;
  const [l, h] = selectedHead;
  const weights = step.attention.layers[l][h];
  const tokens = tokensBefore(selected.branch, selected.index);
  box.appendChild(el("div", { class: "muted" }, `layer ${l}, head ${h}: weights over the positions`));
  const line = el("div", { class: "text" });
  tokens.forEach((t, i) => {
    const span = el("span", { class: "tok", title: `position ${i}: ${pct(weights[i] || 0)}` }, show(t.text));
    span.style.background = heat(weights[i] || 0);
    line.appendChild(span);
  });
  box.appendChild(line);
}

function lens(step) {
  const table = $("lens");
  table.replaceChildren();
  if (!step.lens) return;
  const head = el("tr");
  for (const name of ["layer", "top token", "p", `p(${JSON.stringify(step.token.text)})`]) head.appendChild(el("th", {}, name));
  table.appendChild(head);
  for (const layer of step.lens) {
    const tr = el("tr");
    tr.appendChild(el("td", {}, "L" + layer.layer));
    tr.appendChild(el("td", {}, JSON.stringify(layer.top[0].text)));
    tr.appendChild(el("td", {}, pct(layer.top[0].prob)));
    const p = el("td", {}, pct(layer.token_prob));
    p.style.background = `hsl(${Math.round(120 * layer.token_prob)}, 70%, 85%)`;
    tr.appendChild(p);
    table.appendChild(tr);
  }
}
