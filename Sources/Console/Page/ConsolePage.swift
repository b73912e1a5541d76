/// The console's one page. It holds no data: ``ConsoleScript`` fills it from `/api/`.
enum ConsolePage {
    static let html = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>webhook-dedup console</title>
        <link rel="stylesheet" href="/console.css">
        <script src="/console.js" defer></script>
        </head>
        <body>
        <header>
          <h1>webhook-dedup</h1>
          <span id="updated" class="muted">loading…</span>
          <label class="window">window
            <select id="window">
              <option value="60">1 h</option>
              <option value="180" selected>3 h</option>
              <option value="720">12 h</option>
              <option value="2880">48 h</option>
            </select>
          </label>
          <form id="logout" method="post" action="/logout" hidden><button type="submit">Log out</button></form>
        </header>
        <main>
        <section id="login" hidden>
          <h2>Log in</h2>
          <p>This console needs its token (<code>WD_CONSOLE_TOKEN</code>).</p>
          <p id="login-failed" class="error" hidden>Wrong token.</p>
          <form method="post" action="/login">
            <input type="password" name="token" id="token" autocomplete="current-password" placeholder="token" required>
            <button type="submit" id="login-button">Log in</button>
          </form>
        </section>
        <div id="content" hidden>
        <section class="cards">
          <div class="card"><span class="label">accepted</span><span class="value" id="total-accepted">–</span></div>
          <div class="card"><span class="label">duplicates</span><span class="value" id="total-duplicate">–</span></div>
          <div class="card"><span class="label">duplicate ratio</span><span class="value" id="total-ratio">–</span></div>
          <div class="card"><span class="label">backlog</span><span class="value" id="total-backlog">–</span></div>
          <div class="card"><span class="label">pending</span><span class="value" id="total-pending">–</span></div>
          <div class="card"><span class="label">oldest undelivered</span><span class="value" id="oldest-age">–</span></div>
          <div class="card"><span class="label">dead letters</span><span class="value" id="total-dead">–</span></div>
        </section>
        <section>
          <h2>Messages per minute</h2>
          <p class="legend"><span class="swatch accepted"></span>accepted <span class="swatch duplicate"></span>duplicates</p>
          <div id="charts"></div>
        </section>
        <section>
          <h2>Sources</h2>
          <table id="sources"><thead><tr><th>source</th><th>accepted</th><th>duplicates</th><th>ratio</th></tr></thead><tbody></tbody></table>
        </section>
        <section>
          <h2>Duplicates by entry point</h2>
          <table id="entry-points"><thead><tr><th>source</th><th>entry point</th><th>duplicates</th></tr></thead><tbody></tbody></table>
        </section>
        <section>
          <h2>Delivery</h2>
          <table id="streams"><thead><tr><th>destination</th><th>stream</th><th>backlog</th><th>pending</th><th>lag</th><th>oldest</th><th>dead</th></tr></thead><tbody></tbody></table>
          <p id="unrouted" class="muted"></p>
          <div id="ordered" hidden>
            <h3>Ordered partitions</h3>
            <table id="partitions"><thead><tr><th>destination</th><th>partition</th><th>waiting</th><th>holder</th><th>oldest</th><th>held back</th></tr></thead><tbody></tbody></table>
          </div>
          <h3>Consumers</h3>
          <table id="consumers"><thead><tr><th>consumer</th><th>destination</th><th>shard</th><th>pending</th><th>idle</th></tr></thead><tbody></tbody></table>
          <h3>Receivers seen lately</h3>
          <table id="receivers"><thead><tr><th>receiver</th><th>messages</th><th>last minute (UTC)</th></tr></thead><tbody></tbody></table>
        </section>
        <section>
          <h2>Dead letters</h2>
          <p id="dead-status" class="muted" role="status"></p>
          <ul id="dead-letters"></ul>
        </section>
        <section>
          <h2>Look up a message</h2>
          <form id="lookup">
            <input id="lookup-source" placeholder="source, e.g. evolution" required>
            <input id="lookup-key" placeholder="dedup key (X-Dedup-Key)" required>
            <button type="submit">Look up</button>
          </form>
          <dl id="lookup-result"></dl>
        </section>
        </div>
        </main>
        </body>
        </html>
        """
}
