"use strict";
// The report's viewer: it reads the embedded JSON and draws SVG. It loads
// nothing from the network.
(function () {
  const D = JSON.parse(document.getElementById("data").textContent);
  // Messages come packed as arrays: [id, from, to, sent, at, flags, drop, late, payload].
  if (D.msgs) {
    D.messages = D.msgs.map(a => ({ id: a[0], f: a[1], t: a[2], s: a[3], a: a[4], u: !!(a[5] & 1), c: !!(a[5] & 2), d: a[6], l: a[7], p: a[8] }));
    delete D.msgs;
  }
  D.messages = D.messages || [];
  const SVGNS = "http://www.w3.org/2000/svg";
  const MAX_DRAW = 2500; // arrows drawn at once; more are thinned evenly
  const LEFT = 84, RIGHT = 16;
  const END = Math.max(1, D.sim_time_ns);
  const S = { t0: 0, t1: END, hidden: new Set(), sel: null };
  const app = document.getElementById("app");

  // --- small helpers -------------------------------------------------
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const k in attrs || {}) {
      if (k === "class") e.className = attrs[k];
      else if (k.startsWith("on")) e.addEventListener(k.slice(2), attrs[k]);
      else e.setAttribute(k, attrs[k]);
    }
    for (const c of kids) if (c != null) e.append(c);
    return e;
  }
  function sv(tag, attrs, parent) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }
  function title(e, text) { sv("title", {}, e).textContent = text; return e; }
  function fmtT(ns) {
    const a = Math.abs(ns);
    if (a >= 10e9) return (ns / 1e9).toFixed(2) + "s";
    if (a >= 1e9) return (ns / 1e9).toFixed(3) + "s";
    if (a >= 1e6) return (ns / 1e6).toFixed(a >= 1e8 ? 0 : 2) + "ms";
    if (a >= 1e3) return (ns / 1e3).toFixed(1) + "µs";
    return ns + "ns";
  }
  function fmtNum(v) {
    if (Number.isInteger(v)) return v.toLocaleString("en");
    return Math.abs(v) >= 100 ? v.toFixed(1) : v.toPrecision(4);
  }
  function parseT(s) {
    const m = /^\s*([0-9.]+)\s*(ns|µs|us|ms|s)?\s*$/.exec(s);
    if (!m) return NaN;
    const f = { ns: 1, "µs": 1e3, us: 1e3, ms: 1e6, s: 1e9 }[m[2] || "ms"];
    return parseFloat(m[1]) * f;
  }
  function width() { return Math.max(760, Math.min(1360, app.clientWidth)); }
  function xOf(t, W) { return LEFT + (t - S.t0) / (S.t1 - S.t0) * (W - LEFT - RIGHT); }
  function tOf(x, W) { return S.t0 + (x - LEFT) / (W - LEFT - RIGHT) * (S.t1 - S.t0); }
  function niceTicks(a, b, n) {
    const span = b - a, raw = span / n, p = Math.pow(10, Math.floor(Math.log10(raw)));
    const step = [1, 2, 5, 10].map(k => k * p).find(s => s >= raw) || raw;
    const out = [];
    for (let t = Math.ceil(a / step) * step; t <= b + 1e-9 * span; t += step) out.push(t);
    return out;
  }
  function axis(svg, W, y, label) {
    const g = sv("g", { class: "axis" }, svg);
    for (const t of niceTicks(S.t0, S.t1, Math.max(4, Math.floor(W / 140)))) {
      const x = xOf(t, W);
      sv("line", { x1: x, x2: x, y1: y, y2: y + 4 }, g);
      sv("text", { x: x, y: y + 15, "text-anchor": "middle" }, g).textContent = fmtT(t);
    }
    if (label) sv("text", { x: 4, y: y + 15 }, g).textContent = label;
  }
  function setWindow(t0, t1) {
    t0 = Math.max(0, t0); t1 = Math.min(END, t1);
    if (!(t1 > t0)) return;
    if (t1 - t0 < 1000) { const c = (t0 + t1) / 2; t0 = Math.max(0, c - 500); t1 = Math.min(END, t0 + 1000); }
    S.t0 = t0; S.t1 = t1;
    redraw();
  }
  const visible = n => n < 0 || !S.hidden.has(n);
  const overlaps = (a, b) => b >= S.t0 && a <= S.t1;

  // --- header and checks (drawn once) -----------------------------------
  function header() {
    const h = el("section");
    h.append(el("h1", {}, "faultline report: " + D.scenario + " seed " + D.seed + " ",
      el("span", { class: "badge b-" + D.status, id: "status" }, D.status)));
    const kv = el("table", { class: "kv" });
    const row = (k, v) => kv.append(el("tr", {}, el("td", {}, k), el("td", {}, v)));
    row("scenario", D.scenario);
    row("seed", String(D.seed));
    row("trace hash", el("code", {}, D.trace_hash));
    row("simulated time", fmtT(D.sim_time_ns));
    row("events", fmtNum(D.events));
    const ps = (D.params || []).map(p => p[0] + "=" + p[1]).join("  ");
    row("parameters", el("code", {}, ps || "(none)"));
    if (D.error) row("error", el("pre", {}, D.error));
    for (const n of D.notes || []) row("note", n);
    h.append(kv);
    const copy = el("button", { onclick: () => navigator.clipboard && navigator.clipboard.writeText(D.replay) }, "copy");
    h.append(el("div", { class: "replay" }, el("span", { class: "muted" }, "replay"), el("code", { id: "replay" }, D.replay), copy));
    return h;
  }
  function checks() {
    const s = el("section", {}, el("h2", {}, "Checks"));
    if (!D.checks.length) s.append(el("p", { class: "muted" }, "This scenario declared no checks."));
    for (const c of D.checks) {
      const cls = c.outcome === "fail" ? "fail" : c.outcome === "unknown" ? "unknown" : "";
      const b = el("div", { class: "check " + cls },
        el("b", {}, c.name), " ", el("span", { class: "badge b-" + (c.ok ? "ok" : c.outcome) }, c.outcome));
      if (c.detail) b.append(el("pre", {}, c.detail));
      if (c.artifact) b.append(el("div", {}, "artifact: ", el("a", { href: c.artifact }, c.artifact)));
      if (c.embed) {
        const d = el("details", {}, el("summary", {}, "show the visualization here"));
        const f = el("iframe", { title: c.name + " visualization", sandbox: "allow-scripts" });
        d.addEventListener("toggle", () => { if (d.open && !f.srcdoc) f.srcdoc = c.embed; });
        d.append(f);
        b.append(d);
      }
      s.append(b);
    }
    return s;
  }

  // --- controls ------------------------------------------------------
  const from = el("input", { type: "text", "aria-label": "window start" });
  const to = el("input", { type: "text", "aria-label": "window end" });
  function controls() {
    const c = el("div", { class: "controls" });
    const apply = () => { const a = parseT(from.value), b = parseT(to.value); if (a >= 0 && b > a) setWindow(a, b); };
    from.addEventListener("change", apply); to.addEventListener("change", apply);
    const zoom = f => { const m = (S.t0 + S.t1) / 2, h = (S.t1 - S.t0) * f / 2; setWindow(m - h, m + h); };
    const pan = f => { const d = (S.t1 - S.t0) * f; const a = Math.min(Math.max(0, S.t0 + d), END - (S.t1 - S.t0)); setWindow(a, a + S.t1 - S.t0); };
    c.append(el("span", {}, "window ", from, " – ", to, " ", el("span", { class: "muted" }, "(ms, or with a unit: 250us, 1.5s)")),
      el("button", { onclick: () => zoom(0.5), title: "zoom in" }, "+"),
      el("button", { onclick: () => zoom(2), title: "zoom out" }, "−"),
      el("button", { onclick: () => pan(-0.5) }, "◀"),
      el("button", { onclick: () => pan(0.5) }, "▶"),
      el("button", { onclick: () => setWindow(0, END), id: "reset" }, "whole run"));
    const nodes = el("span", { class: "nodes" }, "nodes ");
    D.nodes.forEach((name, i) => {
      const cb = el("input", { type: "checkbox", "data-node": name });
      cb.checked = true;
      cb.addEventListener("change", () => { cb.checked ? S.hidden.delete(i) : S.hidden.add(i); redraw(); });
      nodes.append(el("label", {}, cb, name));
    });
    if (D.nodes.length > 1) {
      nodes.append(el("button", { onclick: () => { S.hidden.clear(); nodes.querySelectorAll("input").forEach(x => x.checked = true); redraw(); } }, "all"));
    }
    c.append(nodes);
    return c;
  }

  // --- overview: counts over the whole run, drag to choose a window -----
  const overview = el("div");
  function drawOverview() {
    const W = width(), H = 58;
    overview.replaceChildren();
    const svg = sv("svg", { width: W, height: H, id: "overview" });
    const c = D.counts, n = c.sent.length;
    const X = t => LEFT + t / END * (W - LEFT - RIGHT);
    for (const f of D.faults.concat(D.triggers || [])) sv("rect", { class: f.kind, x: X(f.start), y: 2, width: Math.max(1, X(f.end) - X(f.start)), height: 38 }, svg);
    for (const s of D.spans) if (s.kind === "partition") sv("rect", { class: "partition", x: X(s.start), y: 2, width: Math.max(1, X(s.end) - X(s.start)), height: 38 }, svg);
    const top = Math.max(1, ...c.sent);
    for (let i = 0; i < n; i++) {
      if (!c.sent[i]) continue;
      const x = X(i * c.width_ns), w = Math.max(1, X((i + 1) * c.width_ns) - x), h = 36 * c.sent[i] / top;
      sv("rect", { class: "bar-sent", x, y: 40 - h, width: w, height: h }, svg);
      if (c.dropped[i]) { const hd = 36 * c.dropped[i] / top; sv("rect", { class: "bar-drop", x, y: 40 - hd, width: w, height: hd }, svg); }
    }
    sv("text", { x: 4, y: 16 }, svg).textContent = "messages";
    sv("text", { x: 4, y: 30, class: "muted" }, svg).textContent = "max " + top + "/window";
    sv("text", { x: LEFT, y: 54 }, svg).textContent = "0";
    sv("text", { x: W - RIGHT, y: 54, "text-anchor": "end" }, svg).textContent = fmtT(END);
    const brush = sv("rect", { class: "brush", x: X(S.t0), y: 1, width: Math.max(2, X(S.t1) - X(S.t0)), height: 40 }, svg);
    let start = null;
    const T = ev => Math.max(0, Math.min(END, (ev.offsetX - LEFT) / (W - LEFT - RIGHT) * END));
    svg.addEventListener("mousedown", ev => { start = T(ev); });
    svg.addEventListener("mousemove", ev => {
      if (start == null) return;
      const a = Math.min(start, T(ev)), b = Math.max(start, T(ev));
      brush.setAttribute("x", X(a)); brush.setAttribute("width", Math.max(2, X(b) - X(a)));
    });
    svg.addEventListener("mouseup", ev => {
      if (start == null) return;
      const a = Math.min(start, T(ev)), b = Math.max(start, T(ev)); start = null;
      if (b - a > END / 2000) setWindow(a, b);
      else { const h = (S.t1 - S.t0) / 2; setWindow(a - h, a + h); }
    });
    overview.append(svg, el("div", { class: "note" },
      "Bars: messages sent per window of " + fmtT(c.width_ns) + " (red: dropped), over the whole run; shaded: faults, partitions and the scenario's trigger. Drag to choose a time window; click to centre it."));
  }

  // --- fault schedule timeline -------------------------------------------
  const faultsDiv = el("div");
  function spanName(s) {
    const n = s.node >= 0 ? D.nodes[s.node] : "";
    const p = s.peer >= 0 ? "→" + D.nodes[s.peer] : "";
    if (s.kind === "crash") return "down " + n;
    if (s.kind === "pause") return "paused " + n;
    if (s.kind === "version") return n + " runs " + s.label;
    if (s.kind === "drain") return "draining " + n;
    if (s.kind === "left") return n + " out of the cluster";
    if (s.kind === "partition") return "partition " + (s.label || "");
    return (s.label || s.kind) + " " + n + p;
  }
  function drawFaults() {
    faultsDiv.replaceChildren();
    const rows = [];
    for (const g of D.triggers || []) rows.push({ cls: "trigger", label: "trigger window (" + g.label + "_at, " + g.label + "_for)", s: g });
    for (const f of D.faults) rows.push({ cls: f.kind, label: f.label, s: f, strong: true });
    for (const s of D.spans) rows.push({ cls: s.kind, label: spanName(s), s });
    const shown = rows.filter(r => overlaps(r.s.start, r.s.end) && visible(r.s.node) && visible(r.s.peer));
    if (!rows.length) { faultsDiv.append(el("p", { class: "muted" }, "No faults: the trace holds no fault, crash, pause, partition, clog or hold, and the scenario has no trigger window.")); return; }
    const MAXROWS = 80, W = width(), RH = 16, list = shown.slice(0, MAXROWS);
    const svg = sv("svg", { width: W, height: 24 + RH * list.length + 4, id: "faults" });
    axis(svg, W, 0, "time");
    list.forEach((r, i) => {
      const y = 22 + i * RH, x0 = Math.max(LEFT, xOf(r.s.start, W)), x1 = Math.min(W - RIGHT, xOf(r.s.end, W));
      const rect = sv("rect", { class: r.cls, x: x0, y: y + 1, width: Math.max(2, x1 - x0), height: RH - 3 }, svg);
      if (r.strong) rect.setAttribute("style", r.cls === "topology" ? "fill: rgba(31,136,141,.35)" : "fill: rgba(207,34,46,.35)");
      title(rect, r.label + "\n" + fmtT(r.s.start) + " – " + fmtT(r.s.end));
      const t = sv("text", { x: x0 + 4, y: y + RH - 4 }, svg);
      t.textContent = r.label.length > 80 ? r.label.slice(0, 79) + "…" : r.label;
      rect.addEventListener("click", () => setWindow(r.s.start - (r.s.end - r.s.start) * 0.2, r.s.end + (r.s.end - r.s.start) * 0.2));
    });
    faultsDiv.append(svg);
    const more = shown.length - list.length;
    faultsDiv.append(el("div", { class: "note" }, shown.length + " of " + rows.length + " spans in this window" + (more > 0 ? " (" + more + " not drawn; zoom in)" : "") +
      ". Green: the scenario's trigger; dark red: the fault schedule; red: a node down; yellow: paused; purple: a partition, clog or hold; " +
      "teal: a join, leave, replace or upgrade, and the version a node runs after it; grey: a node draining or out of the cluster. Click a bar to zoom to it."));
  }

  // --- the message-sequence (Lamport) diagram -------------------------------
  const diagram = el("div"), dnote = el("div", { class: "note" }), detail = el("div", { id: "detail" }, el("span", { class: "muted" }, "Click an arrow for its message; hover for a summary."));
  function msgText(m) {
    let s = "#" + m.id + " " + D.nodes[m.f] + " → " + D.nodes[m.t] + "   sent " + fmtT(m.s);
    if (m.d) s += ", dropped (" + m.d + ") at " + fmtT(m.a);
    else if (m.a >= 0) s += ", delivered " + fmtT(m.a) + " (" + fmtT(m.a - m.s) + ")";
    else s += ", still in flight at the end";
    if (m.u) s += "; a duplicate copy";
    if (m.l) s += "; " + m.l;
    if (m.c) s += "; corrupted";
    if (m.p) s += "\npayload: " + m.p;
    return s;
  }
  function pickMessages() {
    const all = [];
    for (const m of D.messages) {
      const end = m.a >= 0 ? m.a : END;
      if (m.s > S.t1 || end < S.t0) continue;
      if (!visible(m.f) || !visible(m.t)) continue;
      all.push(m);
    }
    if (all.length <= MAX_DRAW) return { list: all, total: all.length };
    // Keep every unusual arrow (up to half the budget), thin the rest evenly.
    const odd = all.filter(m => m.d || m.u || m.l || m.c).slice(0, MAX_DRAW / 2);
    const plain = all.filter(m => !(m.d || m.u || m.l || m.c));
    const k = plain.length / (MAX_DRAW - odd.length);
    const list = odd.slice();
    for (let i = 0; i < MAX_DRAW - odd.length && Math.floor(i * k) < plain.length; i++) list.push(plain[Math.floor(i * k)]);
    return { list, total: all.length };
  }
  function drawDiagram() {
    diagram.replaceChildren();
    const W = width();
    const lanes = D.nodes.map((n, i) => i).filter(i => visible(i));
    const laneH = Math.max(26, Math.min(64, 560 / Math.max(1, lanes.length)));
    const top = 26, H = top + laneH * Math.max(1, lanes.length) + 10;
    const Y = new Map(lanes.map((n, i) => [n, top + laneH * (i + 0.5)]));
    const svg = sv("svg", { width: W, height: H, id: "lamport" });
    const defs = sv("defs", {}, svg);
    for (const [id, color] of [["ah", "#3b5b8c"], ["ah-dup", "#d46b08"], ["ah-late", "#8250df"]]) {
      const mk = sv("marker", { id, viewBox: "0 0 8 8", refX: 8, refY: 4, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" }, defs);
      sv("path", { d: "M0,0 L8,4 L0,8 z", fill: color }, mk);
    }
    const clipR = sv("clipPath", { id: "plotarea" }, defs);
    sv("rect", { x: LEFT, y: 0, width: W - LEFT - RIGHT, height: H }, clipR);
    const body = sv("g", { "clip-path": "url(#plotarea)" }, svg);
    // Faults and partitions shade the whole diagram; node spans their lane.
    // A join, leave, replace or upgrade shows on its nodes' lanes only.
    for (const g of D.triggers || []) if (overlaps(g.start, g.end))
      title(sv("rect", { class: "trigger", x: xOf(g.start, W), y: top - 4, width: Math.max(1, xOf(g.end, W) - xOf(g.start, W)), height: H - top }, body), "trigger: " + g.label);
    for (const f of D.faults) if (f.kind === "fault" && overlaps(f.start, f.end))
      title(sv("rect", { class: "fault", x: xOf(f.start, W), y: top - 4, width: Math.max(1, xOf(f.end, W) - xOf(f.start, W)), height: H - top }, body), f.label);
    for (const s of D.spans) {
      if (!overlaps(s.start, s.end)) continue;
      const x = xOf(s.start, W), w = Math.max(1, xOf(s.end, W) - x);
      if (s.node < 0) { title(sv("rect", { class: s.kind, x, y: top - 4, width: w, height: H - top }, body), spanName(s)); continue; }
      if (!Y.has(s.node)) continue;
      title(sv("rect", { class: s.kind, x, y: Y.get(s.node) - laneH * 0.42, width: w, height: laneH * 0.84 }, body), spanName(s) + " " + fmtT(s.start) + " – " + fmtT(s.end));
    }
    axis(svg, W, 0, "");
    for (const [n, y] of Y) {
      sv("line", { class: "lane", x1: LEFT, x2: W - RIGHT, y1: y, y2: y }, svg);
      sv("text", { x: 8, y: y + 4, "font-weight": 600 }, svg).textContent = D.nodes[n];
    }
    const pick = pickMessages();
    for (const m of pick.list) {
      const x1 = xOf(m.s, W), y1 = Y.get(m.f), y2 = Y.get(m.t);
      let x2, yEnd = y2, cls = "msg", mark = "url(#ah)";
      if (m.d) { x2 = xOf(m.a, W); yEnd = y1 + (y2 - y1) * 0.5; cls += " drop"; mark = ""; if (x2 - x1 < 6) x2 = x1 + 6; }
      else if (m.a < 0) { x2 = xOf(END, W); cls += " flight"; mark = ""; }
      else { x2 = xOf(m.a, W); }
      if (m.u) { cls += " dup"; mark = "url(#ah-dup)"; }
      if (m.l && !m.d) { cls += " late"; mark = "url(#ah-late)"; }
      const line = sv("line", { class: cls, x1, y1, x2, y2: yEnd }, body);
      if (mark) line.setAttribute("marker-end", mark);
      title(line, msgText(m));
      line.addEventListener("click", () => select(m, line));
      if (m.d) {
        sv("path", { class: "x", d: `M${x2 - 4},${yEnd - 4} L${x2 + 4},${yEnd + 4} M${x2 - 4},${yEnd + 4} L${x2 + 4},${yEnd - 4}` }, body);
      }
    }
    let logs = 0;
    for (const l of D.logs) {
      if (l.t < S.t0 || l.t > S.t1 || !Y.has(l.n)) continue;
      if (++logs > 3000) break;
      title(sv("circle", { class: "log", cx: xOf(l.t, W), cy: Y.get(l.n) - laneH * 0.25, r: 3 }, body), D.nodes[l.n] + " " + fmtT(l.t) + ": " + l.x);
    }
    for (const k of D.marks) {
      if (k.t < S.t0 || k.t > S.t1) continue;
      const y = Y.has(k.n) ? Y.get(k.n) + laneH * 0.25 : top;
      if (k.n >= 0 && !Y.has(k.n)) continue;
      title(sv("rect", { class: "mark", x: xOf(k.t, W) - 3, y: y - 3, width: 6, height: 6 }, body), (k.n >= 0 ? D.nodes[k.n] + " " : "") + fmtT(k.t) + ": " + k.x);
    }
    // Wheel zooms around the cursor; dragging pans.
    svg.addEventListener("wheel", ev => {
      ev.preventDefault();
      const c = tOf(ev.offsetX, W), f = ev.deltaY > 0 ? 1.25 : 0.8;
      setWindow(c - (c - S.t0) * f, c + (S.t1 - c) * f);
    }, { passive: false });
    svg.addEventListener("mousedown", ev => { drag = { x: ev.clientX, t0: S.t0, t1: S.t1, W }; });
    diagram.append(svg);
    const w = D.windowing;
    let note = "Drawn: " + pick.list.length + " of " + pick.total + " messages in this window";
    if (pick.list.length < pick.total) note += " (every drop, duplicate and delayed message first, the rest thinned evenly; zoom in to see all)";
    note += ". " + logs + " log lines.";
    if (w.quota_per_window) note += " The file holds " + w.messages_kept + " of the run's " + w.messages_total + " messages: " + w.quota_per_window + " per window of " + fmtT(w.sample_window_ns) + ", its drops, duplicates and delayed ones first, then its first others (the bars above count them all).";
    dnote.textContent = note;
  }
  // Dragging the diagram pans it; one listener for the page's life.
  let drag = null;
  window.addEventListener("mouseup", ev => {
    if (!drag) return;
    const d = drag, dx = ev.clientX - d.x;
    drag = null;
    if (Math.abs(dx) < 4) return;
    const dt = -dx / (d.W - LEFT - RIGHT) * (d.t1 - d.t0);
    const a = Math.min(Math.max(0, d.t0 + dt), END - (d.t1 - d.t0));
    setWindow(a, a + d.t1 - d.t0);
  });
  function select(m, line) {
    diagram.querySelectorAll(".sel").forEach(e => e.classList.remove("sel"));
    line.classList.add("sel");
    detail.replaceChildren(el("pre", {}, msgText(m)));
  }

  // --- log lines ---------------------------------------------------------
  const logsDiv = el("div");
  function drawLogs() {
    logsDiv.replaceChildren();
    const rows = [];
    const merged = D.logs.map(l => ({ t: l.t, n: l.n, x: l.x })).concat(D.marks.map(k => ({ t: k.t, n: k.n, x: k.x })));
    merged.sort((a, b) => a.t - b.t);
    for (const l of merged) if (l.t >= S.t0 && l.t <= S.t1 && visible(l.n)) rows.push(l);
    if (!merged.length) { logsDiv.append(el("p", { class: "muted" }, "No node log lines or other marks in this run (nodes log with Env.Log).")); return; }
    const t = el("table", { class: "logs", id: "logtable" });
    for (const l of rows.slice(0, 400)) t.append(el("tr", {}, el("td", {}, fmtT(l.t)), el("td", {}, l.n >= 0 ? D.nodes[l.n] : "world"), el("td", { class: "mono" }, l.x)));
    logsDiv.append(t, el("div", { class: "note" }, Math.min(400, rows.length) + " of " + rows.length + " lines in this window shown" +
      (D.windowing.logs_total > D.logs.length ? "; the file holds the first " + D.logs.length + " of " + D.windowing.logs_total + " log lines" : "") + "."));
  }

  // --- metric plots ------------------------------------------------------
  const plots = el("div");
  const COLORS = ["#0969da", "#cf222e", "#1a7f37", "#8250df", "#9a6700", "#d46b08", "#57606a"];
  const BREAKER = { 0: "closed", 1: "half-open", 2: "open" };
  function drawPlots() {
    plots.replaceChildren();
    if (!D.series.length) { plots.append(el("p", { class: "muted" }, "This scenario records no time series.")); return; }
    const W = width(), H = 150, top = 8, bot = 22;
    plots.append(el("div", { class: "note" }, (D.series_from_trace
      ? "This scenario records no series of its own: these are the messages sent, delivered and dropped per second, counted from the trace. "
      : "One run (seed " + D.seed + "): each point is one step of the series (a rate, a mean or a level over the step). ") +
      "Every panel shares the diagram's time axis; shaded: the scenario's trigger, faults and partitions."));
    D.series.forEach((s, i) => {
      const pts = s.points.filter(p => p[0] * 1e9 >= S.t0 - 2e9 && p[0] * 1e9 <= S.t1 + 2e9);
      const color = COLORS[i % COLORS.length];
      const breaker = /breaker/.test(s.name);
      let lo = 0, hi = breaker ? 2 : 0;
      for (const p of pts) { hi = Math.max(hi, p[1]); lo = Math.min(lo, p[1]); }
      if (hi === lo) hi = lo + 1;
      const Yv = v => top + (H - top - bot) * (1 - (v - lo) / (hi - lo));
      const svg = sv("svg", { width: W, height: H, class: "plot", "data-series": s.name });
      const clip = sv("clipPath", { id: "clip-" + i }, sv("defs", {}, svg));
      sv("rect", { x: LEFT, y: 0, width: W - LEFT - RIGHT, height: H }, clip);
      const body = sv("g", { "clip-path": "url(#clip-" + i + ")" }, svg);
      for (const g of D.triggers || []) if (overlaps(g.start, g.end)) sv("rect", { class: "trigger", x: xOf(g.start, W), y: top, width: Math.max(1, xOf(g.end, W) - xOf(g.start, W)), height: H - top - bot }, body);
      for (const f of D.faults) if (overlaps(f.start, f.end)) sv("rect", { class: f.kind, x: xOf(f.start, W), y: top, width: Math.max(1, xOf(f.end, W) - xOf(f.start, W)), height: H - top - bot }, body);
      for (const sp of D.spans) if (sp.node < 0 && overlaps(sp.start, sp.end)) sv("rect", { class: "partition", x: xOf(sp.start, W), y: top, width: Math.max(1, xOf(sp.end, W) - xOf(sp.start, W)), height: H - top - bot }, body);
      const ticks = breaker ? [0, 1, 2] : niceTicks(lo, hi, 4);
      for (const v of ticks) {
        sv("line", { class: "grid", x1: LEFT, x2: W - RIGHT, y1: Yv(v), y2: Yv(v) }, svg);
        sv("text", { x: LEFT - 4, y: Yv(v) + 4, "text-anchor": "end" }, svg).textContent = breaker ? BREAKER[v] : fmtNum(v);
      }
      // A step series: each value holds for its step.
      const step = pts.length > 1 ? pts[1][0] - pts[0][0] : 1;
      let d = "";
      for (const p of pts) {
        const x0 = xOf(p[0] * 1e9, W), x1 = xOf((p[0] + step) * 1e9, W), y = Yv(p[1]);
        d += (d ? "L" : "M") + x0.toFixed(1) + "," + y.toFixed(1) + "L" + x1.toFixed(1) + "," + y.toFixed(1);
      }
      if (d) title(sv("path", { class: "series", d, stroke: color }, body), s.name);
      axis(svg, W, H - bot, "");
      plots.append(el("div", { class: "legend" }, el("span", { style: "--c:" + color }, s.name + " (seed " + D.seed + ")"),
        (D.triggers || []).length ? el("span", { class: "box", style: "--c: rgba(26,127,55,.15)" }, "trigger") : null,
        D.faults.some(x => x.kind === "fault") ? el("span", { class: "box", style: "--c: rgba(207,34,46,.15)" }, "fault") : null,
        D.faults.some(x => x.kind === "topology") ? el("span", { class: "box", style: "--c: rgba(31,136,141,.2)" }, "join, leave, replace or upgrade") : null,
        D.spans.some(x => x.kind === "partition") ? el("span", { class: "box", style: "--c: rgba(130,80,223,.15)" }, "partition") : null), svg);
    });
  }

  // --- metrics -------------------------------------------------------------
  function metrics() {
    const s = el("section", {}, el("h2", {}, "Metrics at the end of the run"));
    const t = el("table", { class: "kv" });
    for (const m of D.metrics) t.append(el("tr", {}, el("td", {}, m.name), el("td", { class: "mono" }, fmtNum(m.value))));
    s.append(t);
    return s;
  }
  function about() {
    const w = D.windowing;
    const s = el("section", {}, el("h2", {}, "About this report"));
    const lines = [
      "Built from the run's trace and result, offline: this file loads nothing from the network.",
      "Messages in the file: " + w.messages_kept + " of " + w.messages_total + (w.quota_per_window ? " (" + w.quota_per_window + " per window of " + fmtT(w.sample_window_ns) + ": drops, duplicates and delayed ones first, then the first others)" : " (all)") + "; at most " + MAX_DRAW + " arrows are drawn at once.",
      "Log lines in the file: " + D.logs.length + " of " + w.logs_total + "; other marks: " + D.marks.length + " of " + w.marks_total + "; timer firings (not drawn): " + w.timers + ".",
    ];
    if (w.messages_unrecorded) lines.push("Messages past the recorder's bound, left out entirely: " + w.messages_unrecorded + ".");
    for (const l of lines) s.append(el("p", { class: "note" }, l));
    return s;
  }

  // The window and the hidden nodes live in the address's fragment, so a
  // view can be linked: report.html#t0=120&t1=660&hide=n4,n5 (ms).
  function readHash() {
    const h = new URLSearchParams(location.hash.slice(1));
    const a = parseFloat(h.get("t0")), b = parseFloat(h.get("t1"));
    if (a >= 0 && b > a) { S.t0 = Math.max(0, a * 1e6); S.t1 = Math.min(END, b * 1e6); }
    for (const n of (h.get("hide") || "").split(",")) {
      const i = D.nodes.indexOf(n);
      if (i >= 0) S.hidden.add(i);
    }
  }
  function writeHash() {
    const parts = [];
    if (S.t0 > 0 || S.t1 < END) parts.push("t0=" + (S.t0 / 1e6).toFixed(3), "t1=" + (S.t1 / 1e6).toFixed(3));
    if (S.hidden.size) parts.push("hide=" + [...S.hidden].sort((a, b) => a - b).map(i => D.nodes[i]).join(","));
    try { history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname); } catch (e) { /* file: URLs in some browsers */ }
  }
  function redraw() {
    writeHash();
    document.querySelectorAll("input[data-node]").forEach((cb, i) => { cb.checked = !S.hidden.has(i); });
    from.value = (S.t0 / 1e6).toFixed(3);
    to.value = (S.t1 / 1e6).toFixed(3);
    drawOverview(); drawFaults(); drawDiagram(); drawLogs(); drawPlots();
  }

  const main = el("main");
  main.append(header(), checks(), controls(),
    el("h2", {}, "Overview"), overview,
    el("h2", {}, "Fault schedule"), faultsDiv,
    el("h2", {}, "Messages (Lamport diagram)"),
    el("div", { class: "legend" },
      el("span", { style: "--c:#3b5b8c" }, "delivered"), el("span", { style: "--c:#cf222e" }, "dropped (✕)"),
      el("span", { style: "--c:#d46b08" }, "duplicate copy"), el("span", { class: "dash", style: "--c:#8250df" }, "delayed, reordered or held"),
      el("span", { class: "dash", style: "--c:#8c959f" }, "in flight at the end"),
      el("span", { class: "box", style: "--c: rgba(207,34,46,.25)" }, "node down"), el("span", { class: "box", style: "--c: rgba(154,103,0,.25)" }, "paused"),
      el("span", { class: "box", style: "--c: rgba(130,80,223,.2)" }, "partition"),
      D.spans.some(x => x.kind === "version") ? el("span", { class: "box", style: "--c: rgba(31,136,141,.25)" }, "runs a new version (upgrade, join)") : null,
      D.spans.some(x => x.kind === "drain" || x.kind === "left") ? el("span", { class: "box", style: "--c: rgba(110,119,129,.3)" }, "draining, out of the cluster") : null,
      el("span", { style: "--c:#0969da" }, "● log line")),
    diagram, dnote, detail,
    el("h2", {}, "Node log lines and marks"), logsDiv,
    el("h2", {}, "Metrics over time"), plots,
    metrics(), about());
  app.replaceChildren(main);
  readHash();
  redraw();
  let rt = null;
  window.addEventListener("resize", () => { clearTimeout(rt); rt = setTimeout(redraw, 150); });
  document.body.setAttribute("data-rendered", "1");
})();
