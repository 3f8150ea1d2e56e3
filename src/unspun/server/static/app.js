// unspun's web page. Everything that comes from an analysed page is untrusted: it is inserted with
// textContent, createTextNode and setAttribute on attributes that cannot run script (title, class), and a
// link is made only of an http(s) URL. Nothing is ever inserted with innerHTML or as markup.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  let current = null; // the unspun/1 analysis shown

  function el(tag, props, children) {
    const node = document.createElement(tag);
    if (props) {
      for (const [key, value] of Object.entries(props)) {
        if (value === undefined || value === null) continue;
        if (key === "text") node.append(txt(value));
        else if (key === "title") node.setAttribute("title", plain(value));
        else if (key === "className") node.className = String(value);
        else node.setAttribute(key, String(value));
      }
    }
    for (const child of children || []) {
      node.append(typeof child === "string" ? txt(child) : child);
    }
    return node;
  }

  function safeLink(url) {
    // only http(s) becomes a link; anything else (javascript:, data:) is shown as text
    const text = String(url);
    if (/^https?:\/\//i.test(text)) {
      return el("a", { href: text, rel: "noopener noreferrer nofollow", target: "_blank", text: text });
    }
    return txt(text);
  }

  // Bidi controls (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI, LRM, RLM, ALM) could reorder what a reader
  // sees; the page shows each as a visible marker instead of applying it.
  const BIDI = /[\u202A-\u202E\u2066-\u2069\u200E\u200F\u061C]/g;

  function codeOf(ch) {
    return "U+" + ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
  }

  function plain(value) {
    return String(value).replace(BIDI, (ch) => `[${codeOf(ch)}]`);
  }

  function txt(value) {
    // a text fragment with bidi controls shown, not applied
    const text = String(value);
    const out = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(BIDI)) {
      if (match.index > last) out.append(document.createTextNode(text.slice(last, match.index)));
      out.append(el("span", { className: "ctl", title: "bidi control character (shown, not applied)",
                              text: `[${codeOf(match[0])}]` }));
      last = match.index + match[0].length;
    }
    if (last < text.length) out.append(document.createTextNode(text.slice(last)));
    return out;
  }

  function slug(value) {
    return String(value).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "x";
  }

  // -- input ------------------------------------------------------------------------------------------

  function selectTab(tab) {
    for (const t of document.querySelectorAll('[role="tab"]')) {
      const on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      $(t.dataset.panel).hidden = !on;
    }
  }

  function activeTab() {
    return document.querySelector('[role="tab"][aria-selected="true"]').id;
  }

  function headers() {
    const h = { "content-type": "application/json" };
    const key = $("api-key").value.trim();
    if (key) h["x-goog-api-key"] = key;
    return h;
  }

  async function post(path, body) {
    const response = await fetch(path, { method: "POST", headers: headers(), body: JSON.stringify(body) });
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      throw new Error(`the server answered HTTP ${response.status} without JSON`);
    }
    if (!response.ok) {
      const error = (data && data.error) || {};
      const retry = response.headers.get("retry-after");
      throw new Error(`${error.message || "HTTP " + response.status}` + (retry ? ` (retry in ${retry} s)` : ""));
    }
    return data;
  }

  function readFile(file) {
    return new Promise((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(String(reader.result));
      reader.onerror = () => reject(new Error(`cannot read ${file.name}`));
      reader.readAsText(file);
    });
  }

  function options() {
    const out = {};
    const threshold = $("hate-threshold").value.trim();
    if (threshold !== "") out.thresholds = { hate: Number(threshold) };
    return out;
  }

  async function request() {
    const tab = activeTab();
    if (tab === "tab-url") {
      const url = $("url").value.trim();
      if (!url) throw new Error("give the address of a page");
      return { url: url, ...options() };
    }
    if (tab === "tab-file") {
      const file = $("file").files[0];
      if (!file) throw new Error("choose a file");
      const content = await readFile(file);
      const name = file.name.toLowerCase();
      if (name.endsWith(".json")) {
        let saved;
        try {
          saved = JSON.parse(content);
        } catch (e) {
          throw new Error(`${file.name} is not JSON`);
        }
        return { saved: saved };
      }
      const isHtml = name.endsWith(".html") || name.endsWith(".htm") || file.type === "text/html";
      return { [isHtml ? "html" : "text"]: content, id: file.name, ...options() };
    }
    const content = $("paste").value;
    if (!content.trim()) throw new Error("paste the text or HTML of a page");
    let format = document.querySelector('input[name="format"]:checked').value;
    if (format === "auto") format = /^\s*</.test(content) ? "html" : "text";
    return { [format]: content, ...options() };
  }

  async function analyze() {
    const button = $("analyze");
    $("error").hidden = true;
    button.disabled = true;
    $("status").textContent = "Analysing…";
    try {
      const req = await request();
      const analysis = req.saved !== undefined ? req.saved : await post("/v1/analyze", req);
      const view = await post("/v1/view", analysis);
      current = analysis;
      show(view);
      $("status").textContent = "Done.";
    } catch (e) {
      $("status").textContent = "";
      $("error").textContent = String(e.message || e);
      $("error").hidden = false;
    } finally {
      button.disabled = false;
    }
  }

  // -- result -----------------------------------------------------------------------------------------

  function show(view) {
    $("doc-title").replaceChildren(txt(view.title));
    const meta = $("doc-meta");
    meta.replaceChildren();
    for (const [key, value] of view.meta) {
      meta.append(el("dt", { text: key }), el("dd", null, [key === "url" ? safeLink(value) : value]));
    }
    const warnings = $("warnings");
    warnings.replaceChildren(...view.warnings.map((w) => el("li", { text: w })));
    legend(view);
    drawText(view);
    panels(view);
    $("result").hidden = false;
  }

  function legend(view) {
    const nav = $("legend");
    nav.replaceChildren();
    for (const layer of view.layers) {
      const box = el("input", { type: "checkbox", id: `t-${slug(layer.name)}`, "data-layer": layer.name });
      box.checked = true;
      box.addEventListener("change", () => {
        for (const span of document.querySelectorAll(`#text .l-${slug(layer.name)}`)) {
          span.classList.toggle("off", !box.checked);
        }
      });
      const swatch = el("span", { className: "box" });
      swatch.style.background = layer.colour;
      const labels = el("span", { className: "labels" });
      const entries = Object.entries(layer.labels).sort();
      if (!entries.length) labels.append(el("span", { className: "dim", text: " none" }));
      for (const [label, info] of entries) {
        const sw = el("span", { className: "sw" });
        sw.style.background = info.colour;
        labels.append(sw, `${label} ${info.count}`);
      }
      nav.append(el("span", { className: "item" }, [
        el("label", { for: box.id }, [box, swatch, layer.title]), labels]));
    }
  }

  function drawText(view) {
    const main = $("text");
    main.replaceChildren();
    const text = view.text;
    const layers = view.layers;
    for (const block of view.blocks) {
      const div = el("div", { className: `block b-${slug(block.kind)}` });
      if (block.depth) div.classList.add(`depth-${block.depth}`);
      const who = el("span", { className: "who", text: block.caption });
      if (block.url) who.append(" (", safeLink(block.url), ")");
      div.append(who);
      const inside = [];
      for (const layer of layers) {
        for (const s of layer.spans) {
          if (s.start < block.end && block.start < s.end) inside.push([layer, s]);
        }
      }
      const cuts = new Set([block.start, block.end]);
      for (const [, s] of inside) {
        cuts.add(Math.max(block.start, Math.min(block.end, s.start)));
        cuts.add(Math.max(block.start, Math.min(block.end, s.end)));
      }
      const points = [...cuts].sort((a, b) => a - b);
      for (let i = 0; i + 1 < points.length; i++) {
        const a = points[i];
        const b = points[i + 1];
        let node = txt(text.slice(a, b));
        for (let k = layers.length - 1; k >= 0; k--) { // the first layer ends up outermost
          const layer = layers[k];
          const covering = inside.filter(([l, s]) => l === layer && s.start <= a && b <= s.end).map(([, s]) => s);
          if (!covering.length) continue;
          const classes = [`l-${slug(layer.name)}`, ...new Set(covering.map((s) => `lab-${slug(s.label)}`))];
          if (!layer.known && layer.name !== "rationale") classes.push("l-other");
          const wrap = el("span", { className: classes.join(" "), title: covering.map((s) => s.title).join(" | ") });
          wrap.append(node);
          node = wrap;
        }
        div.append(node);
      }
      main.append(div);
    }
  }

  function panels(view) {
    const aside = $("panels");
    aside.replaceChildren();
    for (const t of view.tables) {
      const details = el("details", { id: `p-${slug(t.layer)}`, open: "" }, [el("summary", { text: t.title })]);
      if (!t.rows.length) {
        details.append(el("p", { className: "dim", text: t.empty.charAt(0).toUpperCase() + t.empty.slice(1) + "." }));
      } else {
        const numeric = new Set(t.numeric);
        const head = el("tr", null, t.headers.map((h, i) => el("th", { className: numeric.has(i) ? "num" : null, text: h })));
        const body = t.rows.map((row) => el("tr", null,
          row.map((cell, i) => el("td", { className: numeric.has(i) ? "num" : null, text: cell }))));
        details.append(el("table", null, [el("thead", null, [head]), el("tbody", null, body)]));
      }
      aside.append(details);
    }
  }

  function download() {
    if (!current) return;
    const blob = new Blob([JSON.stringify(current, null, 2)], { type: "application/json" });
    const name = slug((current.document && (current.document.id || current.document.title)) || "analysis");
    const a = el("a", { href: URL.createObjectURL(blob), download: `${name}.unspun.json` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }

  document.addEventListener("DOMContentLoaded", () => {
    for (const tab of document.querySelectorAll('[role="tab"]')) {
      tab.addEventListener("click", () => selectTab(tab));
    }
    $("analyze").addEventListener("click", analyze);
    $("download").addEventListener("click", download);
  });
})();
