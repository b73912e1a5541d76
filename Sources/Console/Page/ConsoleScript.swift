/// The page's script: reads `/api/`, draws the tables and the inline SVG charts, and sends the dead
/// letters' buttons as POSTs with the CSRF token. Everything from the API is inserted as text, never
/// as HTML, so a message's body or a source name cannot run script in the operator's browser.
enum ConsoleScript {
    static let js = #"""
        "use strict";
        const state = { csrf: null, timer: null };
        const $ = (id) => document.getElementById(id);

        function el(tag, attrs, ...children) {
          const node = document.createElement(tag);
          for (const [name, value] of Object.entries(attrs || {})) {
            if (name === "class") node.className = value; else node.setAttribute(name, value);
          }
          for (const child of children) node.append(child instanceof Node ? child : String(child));
          return node;
        }
        function svg(tag, attrs) {
          const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
          for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
          return node;
        }
        function age(ms) {
          if (ms === null || ms === undefined) return "–";
          const s = Math.round(ms / 1000);
          if (s < 60) return s + " s";
          if (s < 3600) return Math.floor(s / 60) + " min " + (s % 60) + " s";
          return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min";
        }
        const percent = (ratio) => (ratio * 100).toFixed(1) + " %";
        const minuteText = (m) => m.slice(8, 10) + ":" + m.slice(10, 12);
        const time = (ms) => ms ? new Date(ms).toISOString().replace("T", " ").slice(0, 19) + " UTC" : "–";

        async function api(path, options) {
          const response = await fetch("/api/" + path, Object.assign({ credentials: "same-origin", cache: "no-store" }, options || {}));
          if (response.status === 401) { showLogin(); throw new Error("unauthorized"); }
          const body = await response.json();
          if (!response.ok) throw new Error(body.error || response.statusText);
          return body;
        }
        function showLogin() {
          $("login").hidden = false;
          $("content").hidden = true;
          $("logout").hidden = true;
          $("login-failed").hidden = location.hash !== "#login-failed";
          $("updated").textContent = "";
          if (state.timer) { clearInterval(state.timer); state.timer = null; }
        }
        function fill(tbody, rows) {
          tbody.replaceChildren(...rows.map((cells) => el("tr", {}, ...cells.map((c) =>
            typeof c === "number" ? el("td", { class: "num" }, c) : el("td", {}, c)))));
        }

        function chart(source, window) {
          const W = 600, H = 150, L = 34, B = 16, T = 6;
          const minutes = source.minutes;
          const top = Math.max(1, ...minutes.map((m) => Math.max(m.accepted, m.duplicate)));
          const x = (i) => L + (minutes.length < 2 ? 0 : i * (W - L - 4) / (minutes.length - 1));
          const y = (v) => T + (H - T - B) * (1 - v / top);
          const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: "none", role: "img",
            "aria-label": `${source.source}: accepted and duplicates per minute` });
          root.append(svg("line", { class: "axis", x1: L, y1: y(0), x2: W, y2: y(0) }));
          root.append(svg("line", { class: "axis", x1: L, y1: y(top), x2: W, y2: y(top) }));
          const label = (text, attrs) => { const t = svg("text", attrs); t.textContent = text; root.append(t); };
          label(String(top), { x: 2, y: y(top) + 4 });
          label("0", { x: 2, y: y(0) + 4 });
          for (const i of [0, Math.floor(minutes.length / 2), minutes.length - 1]) {
            if (minutes[i]) label(minuteText(minutes[i].minute), { x: Math.min(x(i), W - 30), y: H - 2 });
          }
          for (const kind of ["accepted", "duplicate"]) {
            const points = minutes.map((m, i) => `${x(i).toFixed(1)},${y(m[kind]).toFixed(1)}`).join(" ");
            root.append(svg("polyline", { class: kind, points }));
          }
          return el("div", { class: "chart", "data-source": source.source },
            el("h3", {}, `${source.source} — ${source.accepted} accepted, ${source.duplicate} duplicates in ${window} min`), root);
        }

        function render(overview) {
          const counters = overview.counters, delivery = overview.delivery;
          $("total-accepted").textContent = counters.totals.accepted;
          $("total-duplicate").textContent = counters.totals.duplicate;
          $("total-ratio").textContent = percent(counters.totals.duplicate_ratio);
          $("total-backlog").textContent = delivery.totals.length;
          $("total-pending").textContent = delivery.totals.pending;
          const oldest = Math.max(0, ...overview.backlog.map((b) => b.oldest_undelivered_age_ms || 0));
          $("oldest-age").textContent = oldest ? age(oldest) : "none";
          $("total-dead").textContent = delivery.totals.dead_letters;
          $("total-dead").classList.toggle("bad", delivery.totals.dead_letters > 0);
          $("charts").replaceChildren(...(counters.sources.length ? counters.sources.map((s) => chart(s, overview.window_minutes))
            : [el("p", { class: "muted" }, "No messages counted in this window.")]));
          fill($("sources").tBodies[0], counters.sources.map((s) => [s.source, s.accepted, s.duplicate, percent(s.duplicate_ratio)]));
          const entryPoints = [];
          for (const s of counters.sources) {
            for (const [name, count] of Object.entries(s.duplicates_by_entry_point).sort((a, b) => b[1] - a[1])) entryPoints.push([s.source, name, count]);
          }
          fill($("entry-points").tBodies[0], entryPoints);
          const ages = Object.fromEntries(overview.backlog.map((b) => [b.destination + "/" + b.shard, b.oldest_undelivered_age_ms]));
          const shards = delivery.destinations.flatMap((d) => d.shards.map((s) => Object.assign({ destination: d.destination }, s)));
          // On Redis Cluster a shard names the node serving it.
          fill($("streams").tBodies[0], shards.map((s) => [s.destination, s.node ? s.stream + " @ " + s.node : s.stream, s.length, s.pending, s.lag,
            age(ages[s.destination + "/" + s.shard]), s.dead_letters]));
          // Ordered destinations: the partitions with something waiting, a holder or a held-back conversation.
          const partitions = delivery.destinations.flatMap((d) => (d.partitions || []).map((p) => Object.assign({ destination: d.destination }, p)))
            .filter((p) => p.length || p.held_back.length);
          $("ordered").hidden = !delivery.destinations.some((d) => d.partitions);
          fill($("partitions").tBodies[0], partitions.map((p) => [p.destination, p.partition, p.length, p.holder || "none", age(p.oldest_waiting_ms),
            p.held_back.map((h) => `${h.conversation.replace(/\x1f/g, " · ")} (${h.key}, ${h.attempts} attempts)`).join("; ")]));
          fill($("consumers").tBodies[0], shards.flatMap((s) => s.consumers.map((c) => [c.name, s.destination, s.shard, c.pending, age(c.idle_ms)])));
          const unrouted = Object.entries(delivery.unrouted || {});
          $("unrouted").textContent = unrouted.length ? "Matched no route (stored nowhere): " + unrouted.map(([s, n]) => `${s} ${n}`).join(", ") : "";
          fill($("receivers").tBodies[0], counters.receivers.map((r) => [r.name, r.messages, minuteText(r.last_minute)]));
          $("updated").textContent = "updated " + time(overview.generated_at);
        }

        function renderDeadLetters(list) {
          const items = list.letters.map((d) => {
            const headers = Object.entries(d.headers).map(([n, v]) => `${n}: ${v}`).join("\n");
            return el("li", { class: "dead-letter", "data-ref": d.ref },
              el("div", { class: "what" }, `${d.source} · ${d.key}`),
              el("div", { class: "muted" }, `destination ${d.destination}`),
              el("div", { class: "why" }, `${d.error} (${d.attempts} attempts)`),
              el("div", { class: "muted" }, `failed ${time(d.failed_at)} · received ${time(d.received_at)} by ${d.receiver || "?"} · ${d.ref}`),
              el("details", {}, el("summary", {}, `body (${d.body_bytes} bytes) and headers`),
                el("pre", { class: "body" }, d.body_preview), el("pre", { class: "headers" }, headers)),
              el("button", { class: "replay", type: "button", "data-ref": d.ref }, "Replay"), " ",
              el("button", { class: "delete", type: "button", "data-ref": d.ref }, "Delete"));
          });
          $("dead-letters").replaceChildren(...items);
          if (!list.total) $("dead-letters").append(el("li", { class: "muted" }, "No dead letters."));
          else if (list.total > list.letters.length) $("dead-letters").append(el("li", { class: "muted" }, `${list.total - list.letters.length} more not shown`));
        }

        async function refresh() {
          try {
            const minutes = $("window").value;
            const [overview, dead] = await Promise.all([api("overview?minutes=" + minutes), api("dead-letters?limit=50")]);
            render(overview);
            renderDeadLetters(dead);
          } catch (error) {
            if (error.message !== "unauthorized") $("updated").textContent = "error: " + error.message;
          }
        }

        async function act(action, ref) {
          if (action === "delete" && !confirm(`Delete dead letter ${ref} for good?`)) return;
          try {
            const result = await api("dead-letters/" + action, { method: "POST",
              headers: { "Content-Type": "application/json", "X-CSRF-Token": state.csrf }, body: JSON.stringify({ ids: [ref] }) });
            $("dead-status").textContent = result.done.length ? `${action === "replay" ? "replayed" : "deleted"} ${result.done.join(", ")}`
              : `${ref}: not found (already replayed or deleted?)`;
          } catch (error) {
            $("dead-status").textContent = `${action} failed: ${error.message}`;
          }
          await refresh();
        }

        async function lookup(event) {
          event.preventDefault();
          const source = $("lookup-source").value.trim(), key = $("lookup-key").value.trim();
          const result = $("lookup-result");
          try {
            const m = await api("messages/" + encodeURIComponent(source) + "/" + key.split("/").map(encodeURIComponent).join("/"));
            const rows = [["state", m.state], ["seen key", m.seen_key], ["TTL", m.ttl_seconds === null ? "–" : m.ttl_seconds + " s"],
              ["entry id", m.seen ? m.seen.id : "–"], ["accepted", m.seen ? `${time(m.seen.at)} by ${m.seen.by}` : "–"]];
            let entry = null;
            for (const d of m.deliveries) {
              let detail = d.state;
              if (d.pending) detail += ` at ${d.pending.consumer}, ${d.pending.deliveries} attempts, idle ${age(d.pending.idle_ms)}`;
              if (d.dead_letter) detail += ` ${d.dead_letter.ref}: ${d.dead_letter.error} (${d.dead_letter.attempts} attempts)`;
              rows.push(["→ " + d.destination, detail]);
              entry = entry || d.stream_entry || (d.dead_letter && { body_preview: d.dead_letter.body_preview });
            }
            result.replaceChildren(...rows.flatMap(([k, v]) => [el("dt", {}, k), el("dd", { "data-field": k }, v)]));
            if (entry) result.append(el("dt", {}, "body"), el("dd", {}, el("pre", {}, entry.body_preview)));
          } catch (error) {
            if (error.message !== "unauthorized") result.replaceChildren(el("dt", {}, "error"), el("dd", {}, error.message));
          }
        }

        async function start() {
          $("lookup").addEventListener("submit", lookup);
          $("window").addEventListener("change", refresh);
          $("dead-letters").addEventListener("click", (event) => {
            const button = event.target.closest("button[data-ref]");
            if (button) act(button.classList.contains("replay") ? "replay" : "delete", button.dataset.ref);
          });
          try {
            const session = await api("session");
            state.csrf = session.csrf_token;
            $("logout").hidden = session.auth !== "token";
          } catch (error) { return; }
          $("login").hidden = true;
          $("content").hidden = false;
          await refresh();
          state.timer = setInterval(refresh, 10000);
        }
        document.addEventListener("DOMContentLoaded", start);
        """#
}
