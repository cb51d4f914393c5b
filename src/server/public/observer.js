// The observer views of the dashboard: load over time, the domains' panels, every live actor
// (with the operator's kill and restart), and past runs from the ledger. Plain script; every
// string from the server goes in with textContent. Polls at a bounded rate (REFRESH_MS).

(() => {
  const shared = window.thunderline;
  if (!shared) return;
  const { api, state, STATUS_COLORS, el, fitCanvas } = shared;
  const REFRESH_MS = 2000;
  const $ = (id) => document.getElementById(id);
  const token = new URLSearchParams(location.search).get('token');
  const STATE_COLORS = { done: '#009e73', best: '#009e73', running: '#e69f00', pending: '#999999', failed: '#d55e00', tried: '#56b4e9' };
  const SERIES_COLORS = ['#56b4e9', '#e69f00', '#009e73', '#cc79a7', '#f0e442', '#0072b2'];

  /** Plots series of [x, y] points with axes; `style` is line, points or step. */
  function plot(canvas, series, options) {
    const { ctx, width, height } = fitCanvas(canvas, options.height || 120);
    const left = 44;
    const bottom = 16;
    const all = series.flatMap((line) => line.points);
    if (all.length === 0) {
      ctx.fillStyle = '#7d8a96';
      ctx.fillText('no data yet', left, height / 2);
      return;
    }
    const xs = all.map((point) => point[0]);
    const ys = all.map((point) => point[1]);
    const x0 = options.xMin ?? Math.min(...xs);
    const x1 = options.xMax ?? Math.max(...xs, x0 + 1);
    const y0 = Math.min(0, ...ys);
    const y1 = Math.max(...ys, y0 + (options.minRange || 1));
    const px = (x) => left + ((x - x0) / (x1 - x0 || 1)) * (width - left - 6);
    const py = (y) => 4 + (1 - (y - y0) / (y1 - y0 || 1)) * (height - bottom - 8);
    ctx.fillStyle = '#7d8a96';
    ctx.textBaseline = 'middle';
    ctx.fillText(formatNumber(y1), 2, py(y1));
    ctx.fillText(formatNumber(y0), 2, py(y0));
    ctx.fillRect(left, py(y0), width - left - 6, 1);
    if (options.xText) {
      ctx.fillText(options.xText(x0), left, height - 6);
      const end = options.xText(x1);
      ctx.fillText(end, width - 6 - ctx.measureText(end).width, height - 6);
    }
    series.forEach((line, index) => {
      const color = line.color || SERIES_COLORS[index % SERIES_COLORS.length];
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 2;
      if (line.style === 'points') {
        for (const [x, y] of line.points) ctx.fillRect(px(x) - 2, py(y) - 2, 5, 5);
        return;
      }
      if (line.points.length === 1) {
        const [x, y] = line.points[0];
        ctx.fillRect(px(x) - 2, py(y) - 2, 5, 5);
        return;
      }
      ctx.beginPath();
      line.points.forEach(([x, y], position) => {
        if (position === 0) ctx.moveTo(px(x), py(y));
        else {
          if (line.style === 'step') ctx.lineTo(px(x), py(line.points[position - 1][1]));
          ctx.lineTo(px(x), py(y));
        }
      });
      ctx.stroke();
    });
  }

  function formatNumber(value) {
    if (Math.abs(value) >= 100) return String(Math.round(value));
    return String(Math.round(value * 100) / 100);
  }

  // --- load ---------------------------------------------------------------------------------

  const LOAD_CHARTS = [
    { key: 'lateMs', title: 'tick lateness', unit: 'ms' },
    { key: 'roundMs', title: 'tick round', unit: 'ms' },
    { key: 'eventsPerSec', title: 'events', unit: '/s' },
    { key: 'restartsPerSec', title: 'restarts', unit: '/s' },
    { key: 'heapMb', title: 'heap', unit: 'MB' },
    { key: 'rssMb', title: 'RSS', unit: 'MB' },
    { key: 'loopDelayMs', title: 'event-loop delay p99', unit: 'ms' },
  ];
  const load = { samples: [], last: undefined };

  // index.html holds these figures already, so the section has its height at the first paint; a chart missing there is added.
  function buildLoadCharts() {
    const container = $('load-charts');
    for (const chart of LOAD_CHARTS) {
      if (container.querySelector(`figure[data-metric="${chart.key}"]`)) continue;
      const figure = el('figure', 'chart');
      figure.dataset.metric = chart.key;
      const caption = el('figcaption');
      caption.appendChild(el('span', '', `${chart.title} `));
      caption.appendChild(el('strong', 'value', '-'));
      caption.appendChild(el('span', 'muted', ` ${chart.unit}`));
      figure.appendChild(caption);
      const canvas = el('canvas');
      canvas.setAttribute('aria-label', `${chart.title} over time, ${chart.unit}`);
      figure.appendChild(canvas);
      container.appendChild(figure);
    }
  }

  function refreshLoad() {
    const since = load.last === undefined ? '' : `?since=${load.last}`;
    return api(`/api/load${since}`).then((body) => {
      if (body.startedAt && !state.runStartedAt) state.runStartedAt = body.startedAt;
      for (const sample of body.samples) load.samples.push(sample);
      if (load.samples.length > 3600) load.samples.splice(0, load.samples.length - 3600);
      if (body.samples.length > 0) load.last = body.samples[body.samples.length - 1].at;
      renderLoad();
    });
  }

  function renderLoad() {
    const now = Date.now();
    const begin = state.runStartedAt ?? (load.samples[0] ? load.samples[0].at : now);
    // Scale from the run's start up to 30 minutes back: a new run fills the plot.
    const from = Math.max(begin, now - 30 * 60 * 1000);
    const samples = load.samples.filter((sample) => sample.at >= from);
    const seconds = Math.max(1, Math.round((now - from) / 1000));
    $('load-span').textContent = `(last ${seconds < 90 ? `${seconds} s` : `${Math.round(seconds / 60)} min`}, ${samples.length} samples)`;
    for (const chart of LOAD_CHARTS) {
      const figure = document.querySelector(`figure[data-metric="${chart.key}"]`);
      if (!figure) continue;
      const points = samples.filter((sample) => sample[chart.key] !== null).map((sample) => [sample.at, sample[chart.key]]);
      const latest = points.length > 0 ? points[points.length - 1][1] : null;
      figure.querySelector('.value').textContent = latest === null ? '-' : formatNumber(latest);
      plot(figure.querySelector('canvas'), [{ points, color: '#56b4e9' }], {
        height: 70,
        xMin: from,
        xMax: Math.max(now, from + 1000),
        minRange: chart.unit === 'MB' ? 1 : 0.5,
        xText: (ms) => (ms === from ? `-${seconds}s` : 'now'),
      });
    }
  }

  // --- domain panels ------------------------------------------------------------------------

  const panelNodes = new Map();

  function refreshPanels() {
    return api('/api/panels').then((body) => {
      const container = $('domain-panels');
      if (body.panels.length === 0) {
        container.replaceChildren(el('p', 'muted', 'No domain has a panel (defineDomain({ inspect })).'));
        return;
      }
      if (panelNodes.size === 0) container.replaceChildren();
      // Every card at once, in the listed order, before any answer: the section takes its size now, not card by card.
      for (const { domain } of body.panels) {
        if (!panelNodes.has(domain)) {
          const card = cardFor(container, domain);
          card.replaceChildren(el('h3', '', domain), el('p', 'summary muted', 'loading…'));
        }
      }
      return Promise.all(
        body.panels.map(({ domain }) =>
          api(`/api/panels/${encodeURIComponent(domain)}`).then((answer) => renderPanel(container, answer)),
        ),
      );
    });
  }

  function cardFor(container, domain) {
    let card = panelNodes.get(domain);
    if (!card) {
      card = el('article', 'domain-card');
      card.dataset.domain = domain;
      container.appendChild(card);
      panelNodes.set(domain, card);
    }
    return card;
  }

  function renderPanel(container, answer) {
    const card = cardFor(container, answer.domain);
    const head = el('h3');
    head.appendChild(el('span', '', `${answer.domain} `));
    const status = answer.status || 'unknown';
    head.appendChild(el('span', `status status-${status}`, status));
    const summary = el('p', 'summary', answer.panel ? answer.panel.summary : `not available now: ${answer.unavailable || ''}`);
    const parts = [head, summary];
    // Views are rebuilt in place: same count and kinds each time, so the layout does not jump.
    if (answer.panel) for (const view of answer.panel.views) parts.push(renderView(view));
    card.replaceChildren(...parts);
    card.querySelectorAll('canvas[data-draw]').forEach((canvas) => canvas.drawView());
  }

  function renderView(view) {
    const box = el('div', `view view-${view.kind}`);
    box.dataset.kind = view.kind;
    box.appendChild(el('h4', '', view.title));
    switch (view.kind) {
      case 'grid':
        box.appendChild(gridCanvas(view));
        box.appendChild(el('p', 'muted', `${view.cells.length} live of ${view.width}×${view.height}`));
        break;
      case 'series': {
        const canvas = el('canvas');
        canvas.setAttribute('aria-label', `${view.yLabel} by ${view.xLabel}`);
        canvas.dataset.draw = 'series';
        canvas.drawView = () =>
          plot(
            canvas,
            view.series.map((line) => ({ points: line.points, style: line.style })),
            { height: 140, minRange: 0.01, xText: (x) => `${view.xLabel} ${x}` },
          );
        box.appendChild(canvas);
        const legend = el('ul', 'legend');
        view.series.forEach((line, index) => {
          const item = el('li', '', `${line.name} (${line.points.length})`);
          item.style.setProperty('--swatch', SERIES_COLORS[index % SERIES_COLORS.length]);
          legend.appendChild(item);
        });
        box.appendChild(legend);
        break;
      }
      case 'dag':
        box.appendChild(dagCanvas(view));
        box.appendChild(stateList(view.nodes));
        break;
      case 'bars':
        if (view.bars.length === 0) box.appendChild(el('p', 'muted', 'none'));
        for (const bar of view.bars) {
          const row = el('div', 'bar-row');
          row.appendChild(el('span', 'bar-label', bar.label));
          const track = el('span', 'bar');
          track.setAttribute('role', 'meter');
          track.setAttribute('aria-valuenow', String(bar.value));
          track.setAttribute('aria-valuemax', String(bar.max));
          track.setAttribute('aria-label', bar.label);
          const fill = el('span');
          fill.style.width = `${Math.round(Math.min(1, bar.value / (bar.max || 1)) * 100)}%`;
          track.appendChild(fill);
          row.appendChild(track);
          row.appendChild(el('span', 'bar-text', bar.text));
          box.appendChild(row);
        }
        break;
      case 'table': {
        const table = el('table', 'mini');
        const headRow = el('tr');
        for (const column of view.columns) headRow.appendChild(el('th', '', column));
        const thead = el('thead');
        thead.appendChild(headRow);
        table.appendChild(thead);
        const body = el('tbody');
        for (const cells of view.rows.slice(0, 50)) {
          const row = el('tr');
          for (const cell of cells) row.appendChild(tableCell(cell));
          body.appendChild(row);
        }
        table.appendChild(body);
        // In its own scroll box: a table wider than its card scrolls there, never the page.
        const scroll = el('div', 'scroll-x');
        scroll.appendChild(table);
        if (view.rows.length === 0) box.appendChild(el('p', 'muted', 'none yet'));
        else box.appendChild(scroll);
        break;
      }
      case 'facts': {
        const list = el('dl', 'facts-view');
        for (const fact of view.facts) {
          const item = el('div');
          item.appendChild(el('dt', '', fact.label));
          item.appendChild(el('dd', '', fact.value));
          list.appendChild(item);
        }
        box.appendChild(list);
        break;
      }
      default:
        box.appendChild(el('pre', 'muted', JSON.stringify(view).slice(0, 400)));
    }
    return box;
  }

  /** A table view's cell; an ISO time may wrap after its date (a <wbr>, the text unchanged), so narrow cards fit it. */
  function tableCell(cell) {
    const td = el('td');
    const text = cell === null ? '-' : String(cell);
    const iso = /^(\d{4}-\d\d-\d\dT)(.+)$/.exec(text);
    if (iso) td.append(iso[1], el('wbr'), iso[2]);
    else td.textContent = text;
    return td;
  }

  function gridCanvas(view) {
    const canvas = el('canvas', 'grid-canvas');
    canvas.setAttribute('aria-label', `cell grid, ${view.cells.length} live cells`);
    canvas.dataset.draw = 'grid';
    canvas.dataset.live = String(view.cells.length);
    canvas.drawView = () => {
      const size = Math.min(canvas.clientWidth || 192, 240);
      const { ctx } = fitCanvas(canvas, size * (view.height / view.width));
      const cell = size / view.width;
      ctx.fillStyle = '#0b1016';
      ctx.fillRect(0, 0, size, size * (view.height / view.width));
      ctx.fillStyle = '#e69f00';
      for (const [x, y] of view.cells) ctx.fillRect(x * cell + 1, y * cell + 1, cell - 2, cell - 2);
    };
    return canvas;
  }

  /** Layers from the sources (longest path), one column per layer. */
  function dagCanvas(view) {
    const canvas = el('canvas');
    canvas.setAttribute('aria-label', `graph of ${view.nodes.length} nodes and ${view.edges.length} edges`);
    canvas.dataset.draw = 'dag';
    canvas.drawView = () => {
      const layer = new Map(view.nodes.map((node) => [node.id, 0]));
      for (let pass = 0; pass < view.nodes.length; pass += 1) {
        for (const edge of view.edges) {
          if (layer.has(edge.from) && layer.has(edge.to)) layer.set(edge.to, Math.max(layer.get(edge.to), layer.get(edge.from) + 1));
        }
      }
      const columns = [];
      for (const node of view.nodes) {
        const index = layer.get(node.id);
        (columns[index] ||= []).push(node);
      }
      const rows = Math.max(1, ...columns.map((column) => (column ? column.length : 0)));
      const { ctx, width } = fitCanvas(canvas, Math.max(60, rows * 28 + 8));
      const columnWidth = width / Math.max(1, columns.length);
      const at = new Map();
      columns.forEach((column, c) => {
        (column || []).forEach((node, r) => at.set(node.id, [c * columnWidth + 4, 6 + r * 28]));
      });
      const boxWidth = Math.min(110, columnWidth - 14);
      ctx.strokeStyle = '#7d8a96';
      ctx.lineWidth = 1;
      for (const edge of view.edges) {
        const from = at.get(edge.from);
        const to = at.get(edge.to);
        if (!from || !to) continue;
        ctx.beginPath();
        ctx.moveTo(from[0] + boxWidth, from[1] + 10);
        ctx.lineTo(to[0], to[1] + 10);
        ctx.stroke();
      }
      ctx.textBaseline = 'middle';
      for (const node of view.nodes) {
        const [x, y] = at.get(node.id);
        ctx.fillStyle = STATE_COLORS[node.state] || '#4a5866';
        ctx.fillRect(x, y, boxWidth, 20);
        ctx.fillStyle = '#0b1016';
        ctx.fillText(node.label.slice(0, Math.max(4, Math.floor(boxWidth / 6))), x + 4, y + 10);
      }
    };
    return canvas;
  }

  function stateList(nodes) {
    const list = el('ul', 'states');
    for (const node of nodes) {
      const item = el('li', `node-state state-${node.state}`, `${node.label}: ${node.state}`);
      item.dataset.node = node.id;
      list.appendChild(item);
    }
    return list;
  }

  // --- actors -------------------------------------------------------------------------------

  const actors = { rows: [], previous: new Map(), previousAt: 0, sort: 'busyRate', descending: true };

  function refreshActors() {
    return api('/api/actors').then((body) => {
      const seconds = actors.previousAt ? Math.max(0.001, (body.at - actors.previousAt) / 1000) : null;
      actors.rows = body.actors.map((row) => {
        const before = actors.previous.get(row.id);
        return {
          ...row,
          rate: before && seconds ? Math.max(0, (row.handled - before.handled) / seconds) : 0,
          busyRate: before && seconds ? Math.max(0, (row.busyMs - before.busyMs) / seconds) : 0,
        };
      });
      actors.previous = new Map(body.actors.map((row) => [row.id, row]));
      actors.previousAt = body.at;
      renderActors();
    });
  }

  function renderActors() {
    const filter = $('actors-filter').value.trim().toLowerCase();
    const key = actors.sort;
    const rows = actors.rows
      .filter((row) => !filter || `${row.path} ${row.kind} ${row.status} ${row.id}`.toLowerCase().includes(filter))
      .sort((a, b) => {
        const x = a[key] ?? -1;
        const y = b[key] ?? -1;
        const order = typeof x === 'string' ? String(x).localeCompare(String(y)) : x - y;
        return actors.descending ? -order : order;
      });
    const body = $('actors').tBodies[0];
    body.replaceChildren(
      ...rows.map((row) => {
        const tr = el('tr');
        tr.dataset.actor = row.id;
        const path = el('td', 'path', row.path);
        path.title = `${row.id}${row.names.length > 0 ? ` (${row.names.join(', ')})` : ''}`;
        tr.appendChild(path);
        tr.appendChild(el('td', 'kind', row.kind));
        tr.appendChild(el('td', 'actor-status', row.status));
        tr.appendChild(el('td', 'num mailbox', row.mailbox));
        tr.appendChild(el('td', 'num handled', row.handled));
        tr.appendChild(el('td', 'num rate', formatNumber(row.rate)));
        const busy = el('td', 'num busy', formatNumber(row.busyMs));
        busy.title = `${formatNumber(row.busyRate)} ms/s in handlers over the last refresh`;
        tr.appendChild(busy);
        tr.appendChild(el('td', 'num restarts', row.restarts ?? '-'));
        const actionsCell = el('td', 'actions');
        for (const action of row.actions) {
          const button = el('button', `op op-${action}`, action);
          button.type = 'button';
          button.dataset.action = action;
          button.setAttribute('aria-label', `${action} ${row.path}`);
          button.addEventListener('click', () => confirmAction(action, row));
          actionsCell.appendChild(button);
        }
        tr.appendChild(actionsCell);
        return tr;
      }),
    );
    $('actors-count').textContent = `(${rows.length} of ${actors.rows.length}, refreshed every ${REFRESH_MS / 1000} s)`;
    document.querySelectorAll('#actors th button').forEach((button) => {
      button.setAttribute('aria-sort', button.dataset.sort === key ? (actors.descending ? 'descending' : 'ascending') : 'none');
    });
  }

  function confirmAction(action, row) {
    const dialog = $('confirm');
    $('confirm-text').textContent = `${action} ${row.path} (${row.id})? ${action === 'kill' ? 'Its supervisor decides what follows.' : 'It is stopped and started again in order.'} This is recorded in the ledger.`;
    $('confirm-token').value = token || '';
    dialog.dataset.action = action;
    dialog.dataset.actor = row.id;
    dialog.showModal();
  }

  $('confirm').addEventListener('close', () => {
    const dialog = $('confirm');
    if (dialog.returnValue !== 'confirm') return;
    const given = $('confirm-token').value;
    const headers = { 'content-type': 'application/json' };
    if (given) headers.authorization = `Bearer ${given}`;
    fetch('/api/actors/action', {
      method: 'POST',
      headers,
      body: JSON.stringify({ action: dialog.dataset.action, actor: dialog.dataset.actor }),
    })
      .then((response) => response.json().then((body) => ({ ok: response.ok, status: response.status, body })))
      .then(({ ok, status, body }) => {
        const result = $('operator-result');
        result.dataset.outcome = ok ? 'done' : 'refused';
        result.textContent = ok ? `${body.action} ${body.path}: done (${body.reason})` : `refused (HTTP ${status}): ${body.error}`;
        refreshActors().catch(() => {});
      })
      .catch((error) => {
        $('operator-result').textContent = `failed: ${error.message}`;
      });
  });

  document.querySelectorAll('#actors th button').forEach((button) => {
    button.addEventListener('click', () => {
      if (actors.sort === button.dataset.sort) actors.descending = !actors.descending;
      else {
        actors.sort = button.dataset.sort;
        actors.descending = button.dataset.sort !== 'path' && button.dataset.sort !== 'kind' && button.dataset.sort !== 'status';
      }
      renderActors();
    });
  });
  $('actors-filter').addEventListener('input', renderActors);

  // --- past runs ----------------------------------------------------------------------------

  const past = { runs: [], history: [], run: null };

  function refreshRuns() {
    return api('/api/runs').then((body) => {
      past.runs = body.runs;
      const select = $('run-select');
      const chosen = select.value;
      const options = [el('option', '', 'choose a run…')];
      options[0].value = '';
      for (const run of body.runs) {
        const label = `${new Date(run.startedAt).toLocaleString()} · ${run.runId.slice(0, 8)}${run.runId === body.current ? ' (this run)' : run.stoppedAt ? ` · ${run.stopReason}` : ' · not closed'}`;
        const option = el('option', '', label);
        option.value = run.runId;
        options.push(option);
      }
      select.replaceChildren(...options);
      select.value = chosen;
    });
  }

  function showRun(runId) {
    if (!runId) return;
    api(`/api/history?run=${encodeURIComponent(runId)}&limit=1000`).then((body) => {
      const run = past.runs.find((candidate) => candidate.runId === runId);
      past.run = run;
      past.history = body.history.slice().reverse();
      $('run-info').textContent = run
        ? `started ${new Date(run.startedAt).toLocaleString()}, ${run.stoppedAt ? `stopped ${new Date(run.stoppedAt).toLocaleString()} (${run.stopReason})` : 'not closed'}; ${body.history.length} status changes`
        : '';
      const tbody = $('past-history').tBodies[0];
      tbody.replaceChildren(
        ...body.history.map((entry) => {
          const row = el('tr');
          row.dataset.domain = entry.domain;
          row.appendChild(el('td', '', new Date(entry.occurredAt).toLocaleTimeString()));
          row.appendChild(el('td', '', entry.domain));
          const event = el('td');
          event.appendChild(el('span', `status status-${entry.status}`, entry.event));
          row.appendChild(event);
          row.appendChild(el('td', '', entry.tick));
          row.appendChild(el('td', 'reason', entry.reason || ''));
          return row;
        }),
      );
      drawPastTimeline();
    });
  }

  function drawPastTimeline() {
    const canvas = $('past-timeline');
    const names = [...new Set(past.history.map((entry) => entry.domain))].sort();
    const rowHeight = 16;
    const { ctx, width } = fitCanvas(canvas, Math.max(40, names.length * rowHeight + 20));
    canvas.dataset.rows = String(names.length);
    if (!past.run || past.history.length === 0) return;
    const left = 100;
    const start = past.run.startedAt;
    const end = Math.max(past.run.stoppedAt ?? Date.now(), ...past.history.map((entry) => entry.occurredAt), start + 1);
    const x = (ms) => left + ((ms - start) / (end - start)) * (width - left - 6);
    ctx.textBaseline = 'middle';
    names.forEach((name, index) => {
      const y = index * rowHeight;
      ctx.fillStyle = '#dce3ea';
      ctx.fillText(name.length > 14 ? `${name.slice(0, 13)}…` : name, 2, y + rowHeight / 2);
      const changes = past.history.filter((entry) => entry.domain === name);
      changes.forEach((change, position) => {
        const next = changes[position + 1];
        const x0 = x(change.occurredAt);
        ctx.fillStyle = STATUS_COLORS[change.status] || '#555';
        ctx.fillRect(x0, y + 2, Math.max(2, x(next ? next.occurredAt : end) - x0), rowHeight - 4);
      });
      // Crashes and failures last, as marks over the spans, so an instant one is never hidden.
      for (const change of changes) {
        if (change.status !== 'crashed' && change.status !== 'failed') continue;
        ctx.fillStyle = STATUS_COLORS[change.status];
        ctx.fillRect(x(change.occurredAt) - 1, y, 3, rowHeight);
      }
    });
    ctx.fillStyle = '#7d8a96';
    ctx.fillText('start', left, names.length * rowHeight + 10);
    ctx.fillText('end', width - 26, names.length * rowHeight + 10);
  }

  $('run-select').addEventListener('change', (event) => showRun(event.target.value));

  // --- cluster view (cluster mode only; docs/cluster.md) --------------------------------------
  // Nodes with their shards and domains, the 256 shard leases (+ tick) coloured by owner, and a
  // failover timeline of the cluster events. A single-node runtime never shows the section: it is
  // revealed once hello.cluster arrives or GET /api/cluster answers 200.

  const SHARDS = 256;
  const GRID_SIDE = 16;
  // Okabe-Ito again: one colour per node, in the order nodes were first seen; past seven they repeat with stripes.
  const OWNER_COLORS = ['#56b4e9', '#e69f00', '#009e73', '#cc79a7', '#f0e442', '#0072b2', '#d55e00'];
  const MERGE_WITHIN_MS = 2000;
  const TIMELINE_LIMIT = 300;
  const cluster = {
    mode: null, // null: not known yet; true: cluster mode; false: a single-node runtime
    snapshot: null,
    readAt: 0,
    colors: new Map(),
    cells: [],
    entries: [],
    lastSeq: 0,
    entriesChanged: false,
    lastMember: new Map(),
    shardDomains: new Map(),
    focused: 0, // the grid's one tab stop (roving tabindex)
    shown: 0, // the cell the line under the grid describes (focused or hovered)
  };

  function clusterFetch() {
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    return fetch('/api/cluster', { headers }).then((response) => {
      if (response.status === 404) return null;
      if (!response.ok) throw new Error(`/api/cluster: HTTP ${response.status}`);
      return response.json();
    });
  }

  function refreshCluster() {
    if (cluster.mode === false && !state.cluster) return Promise.resolve();
    return clusterFetch().then((snapshot) => {
      if (snapshot === null) {
        if (!state.cluster) setClusterMode(false);
        return;
      }
      cluster.snapshot = snapshot;
      cluster.readAt = Date.now();
      setClusterMode(true);
      renderCluster();
    });
  }

  let refreshSoonTimer = null;
  /** A cluster event arrived: read the leases again shortly, ahead of the 2 s round. */
  function refreshClusterSoon() {
    if (refreshSoonTimer || cluster.mode !== true) return;
    refreshSoonTimer = setTimeout(() => {
      refreshSoonTimer = null;
      refreshCluster().catch(() => {});
    }, 300);
  }

  function setClusterMode(on) {
    if (cluster.mode === on) return;
    cluster.mode = on;
    document.body.dataset.cluster = on ? 'on' : 'off';
    $('cluster-panel').hidden = !on;
    $('cluster-link').hidden = !on;
    $('filter-cluster').hidden = !on;
    if (on) buildLeaseGrid();
  }

  function colorIndex(node) {
    if (!cluster.colors.has(node)) cluster.colors.set(node, cluster.colors.size);
    return cluster.colors.get(node);
  }

  /** The classes that colour a node's cells and swatches: owner-<0..6>, striped past the seventh node. */
  function ownerClass(node) {
    const index = colorIndex(node);
    return `owner-${index % OWNER_COLORS.length}${index >= OWNER_COLORS.length ? ' owner-striped' : ''}`;
  }

  function buildLeaseGrid() {
    const grid = $('lease-grid');
    if (cluster.cells.length > 0) return;
    const rows = [];
    for (let row = 0; row < GRID_SIDE; row += 1) {
      const line = el('div', 'lease-row');
      line.setAttribute('role', 'row');
      for (let column = 0; column < GRID_SIDE; column += 1) {
        const shard = row * GRID_SIDE + column;
        const cell = el('div', 'lease lease-none');
        cell.setAttribute('role', 'gridcell');
        cell.dataset.shard = String(shard);
        cell.tabIndex = shard === 0 ? 0 : -1;
        cell.title = `shard ${shard}: no lease yet`;
        cluster.cells.push(cell);
        line.appendChild(cell);
      }
      rows.push(line);
    }
    grid.replaceChildren(...rows);
    grid.addEventListener('keydown', leaseKey);
    grid.addEventListener('focusin', (event) => {
      const shard = shardOfCell(event.target);
      if (shard === null) return;
      moveTabStop(shard);
      showLease(shard);
    });
    grid.addEventListener('mouseover', (event) => {
      const shard = shardOfCell(event.target);
      if (shard !== null) showLease(shard);
    });
  }

  /** Arrow keys move between cells (one tab stop for the whole grid); Home/End go to the row's ends. */
  function leaseKey(event) {
    const moves = { ArrowRight: 1, ArrowLeft: -1, ArrowDown: GRID_SIDE, ArrowUp: -GRID_SIDE };
    const at = cluster.focused;
    let next = at;
    if (moves[event.key] !== undefined) next = at + moves[event.key];
    else if (event.key === 'Home') next = at - (at % GRID_SIDE);
    else if (event.key === 'End') next = at - (at % GRID_SIDE) + GRID_SIDE - 1;
    else return;
    event.preventDefault();
    if (next < 0 || next >= SHARDS) return;
    moveTabStop(next);
    cluster.cells[next].focus();
  }

  function shardOfCell(target) {
    return target?.dataset?.shard === undefined ? null : Number(target.dataset.shard);
  }

  function moveTabStop(shard) {
    if (shard === cluster.focused) return;
    cluster.cells[cluster.focused].tabIndex = -1;
    cluster.cells[shard].tabIndex = 0;
    cluster.focused = shard;
  }

  /** The line under the grid: the focused or hovered cell's shard, owner, epoch and expiry, as text. */
  function showLease(shard) {
    cluster.shown = shard;
    $('lease-detail').textContent = cluster.cells[shard].title;
  }

  /** Follows the cluster events (and the domain events that carry a node) the stream delivered. */
  function ingestClusterEvents() {
    for (const event of state.clusterEvents) {
      if (event.seq <= cluster.lastSeq) continue;
      cluster.lastSeq = event.seq;
      if (event.type.startsWith('member_')) cluster.lastMember.set(event.node, event.type);
      if (event.shard !== undefined && event.domain) {
        for (const names of cluster.shardDomains.values()) names.delete(event.domain);
        if (!cluster.shardDomains.has(event.shard)) cluster.shardDomains.set(event.shard, new Set());
        cluster.shardDomains.get(event.shard).add(event.domain);
      }
      addClusterEntry(event);
      if (!event.domain) refreshClusterSoon();
    }
  }

  /** The timeline's key of an event: bursts of the same key within 2 s are one entry. */
  function entryKey(event) {
    if (event.domain) return `${event.type}|${event.node}|${event.reason ?? ''}`;
    if (event.type.startsWith('shard_')) return `${event.type}|${event.node}`;
    return null;
  }

  function addClusterEntry(event) {
    const at = Date.parse(event.time) || Date.now();
    const key = entryKey(event);
    cluster.entriesChanged = true;
    if (key !== null) {
      // Bursts interleave (one node releases a shard, another takes it), so look a few entries back.
      for (let index = cluster.entries.length - 1; index >= Math.max(0, cluster.entries.length - 12); index -= 1) {
        const entry = cluster.entries[index];
        if (entry.key !== key || at - entry.last > MERGE_WITHIN_MS) continue;
        entry.last = Math.max(entry.last, at);
        entry.events.push(event);
        return;
      }
    }
    cluster.entries.push({ key, type: event.type, node: event.node, first: at, last: at, events: [event] });
    if (cluster.entries.length > TIMELINE_LIMIT) cluster.entries.splice(0, cluster.entries.length - TIMELINE_LIMIT);
  }

  function clockText(ms) {
    const date = new Date(ms);
    const pad = (value, width = 2) => String(value).padStart(width, '0');
    return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
  }

  function spanText(ms) {
    if (ms < 1000) return `${Math.round(ms)} ms`;
    if (ms < 90_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
    return `${Math.round(ms / 60_000)} min`;
  }

  /** "2" or "2–3": the range of the epochs. */
  function rangeText(values) {
    if (values.length === 0) return '';
    const low = Math.min(...values);
    const high = Math.max(...values);
    return low === high ? String(low) : `${low}–${high}`;
  }

  function shardsText(shards) {
    const sorted = [...new Set(shards)].sort((a, b) => a - b);
    if (sorted.length === 1) return `shard ${sorted[0]}`;
    if (sorted.length <= 6) return `${sorted.length} shards (${sorted.join(', ')})`;
    return `${sorted.length} shards`;
  }

  /** One line of text for a timeline entry (every event of the burst). */
  function entryText(entry) {
    const events = entry.events;
    const first = events[0];
    const node = first.node;
    const shards = events.flatMap((event) => event.shards || []);
    const epochs = events.flatMap((event) => event.epochs || []);
    const reasons = [...new Set(events.map((event) => event.reason).filter(Boolean))];
    const why = reasons.length > 0 ? ` (${reasons.slice(0, 3).join('; ')}${reasons.length > 3 ? '; …' : ''})` : '';
    switch (entry.type) {
      case 'member_joined':
        return `${node} joined`;
      case 'member_left':
        return `${node} left (stopped gracefully)`;
      case 'member_dead':
        return `${node} is dead${why}`;
      case 'leader_changed':
        return `${node} is the tick leader${epochs.length ? ` (epoch ${rangeText(epochs)})` : ''}`;
      case 'shard_acquired':
        return `${node} acquired ${shardsText(shards)}${epochs.length ? `, epoch ${rangeText(epochs)}` : ''}${why}`;
      case 'shard_released':
        return `${node} released ${shardsText(shards)}${why}`;
      case 'shard_fenced':
        return `${node} fenced ${shardsText(shards)}${why}`;
      case 'tick_gap':
        return `${first.missedTicks ?? '?'} tick(s) skipped with no leader`;
      case 'lease_storage_failed':
        return `${node}: lease storage failed${why}`;
      default: {
        const status = entry.type.replace('domain_', '');
        const names = [...new Set(events.map((event) => event.domain))];
        const domainEpochs = events.map((event) => event.epoch).filter((epoch) => epoch !== undefined);
        const list = names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
        return `${names.length} domain${names.length === 1 ? '' : 's'} ${status} on ${node}${domainEpochs.length ? ` (epoch ${rangeText(domainEpochs)})` : ''}${why}: ${list}`;
      }
    }
  }

  function renderClusterLog() {
    if (!cluster.entriesChanged) return;
    cluster.entriesChanged = false;
    const list = $('cluster-log');
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
    const items = cluster.entries.map((entry, index) => {
      const previous = cluster.entries[index - 1];
      const item = el('li', `ce ce-${entry.type.startsWith('domain_') ? 'domain' : entry.type}`);
      item.dataset.type = entry.type;
      item.dataset.node = entry.node;
      if (entry.events[0].epochs) item.dataset.epochs = entry.events.flatMap((event) => event.epochs || []).join(',');
      const over = entry.events.length > 1 ? ` — ${entry.events.length} events over ${spanText(entry.last - entry.first)}` : '';
      const text = `${entryText(entry)}${over}`;
      // The spaces between the parts are text for screen readers and copying; the grid lays out only the spans.
      item.append(
        el('time', 'ce-time', clockText(entry.first)),
        ' ',
        // How long after the previous entry this one began: kill → member_dead → shard_acquired → active.
        el('span', 'ce-delta', previous ? `+${spanText(Math.max(0, entry.first - previous.first))}` : ''),
        ' ',
        el('span', 'ce-type', entry.type),
        ' ',
        el('span', 'ce-text', text),
      );
      item.title = `${new Date(entry.first).toISOString()}  ${entry.type}  ${text}`;
      return item;
    });
    if (items.length === 0) items.push(el('li', 'muted', 'no cluster events yet'));
    list.replaceChildren(...items);
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  /** The nodes to show: live members, leaving ones, and any other node still holding leases or domains. */
  function clusterNodes(snapshot, domains) {
    const live = new Set(snapshot ? snapshot.members : state.cluster?.members || []);
    const leaving = new Set(snapshot ? snapshot.leaving : []);
    const names = new Set([...live, ...leaving]);
    for (const lease of snapshot?.leases || []) if (lease.valid) names.add(lease.owner);
    for (const domain of domains) if (domain.node) names.add(domain.node);
    return [...names].sort().map((name) => {
      let status = 'gone';
      if (leaving.has(name)) status = 'leaving';
      else if (live.has(name)) status = 'up';
      else if (cluster.lastMember.get(name) === 'member_dead') status = 'dead';
      else if (cluster.lastMember.get(name) === 'member_left') status = 'left';
      return { name, status };
    });
  }

  function renderNodes() {
    const snapshot = cluster.snapshot;
    const self = snapshot?.node ?? state.cluster?.node;
    const leader = snapshot ? snapshot.leader : state.cluster?.leader;
    const domains = [...state.domains.values()];
    const cards = clusterNodes(snapshot, domains).map(({ name, status }) => {
      const card = el('article', `node-card node-${status} ${ownerClass(name)}`);
      card.dataset.node = name;
      card.dataset.state = status;
      card.dataset.self = String(name === self);
      card.dataset.leader = String(name === leader);
      const head = el('div', 'node-head');
      const swatch = el('span', `swatch ${ownerClass(name)}`);
      swatch.setAttribute('aria-hidden', 'true');
      head.appendChild(swatch);
      head.appendChild(el('h4', 'node-id', name));
      head.appendChild(el('span', `node-state state-${status}`, status));
      if (name === self) head.appendChild(el('span', 'tag tag-self', 'this node'));
      if (name === leader) head.appendChild(el('span', 'tag tag-leader', 'tick leader'));
      card.appendChild(head);
      const held = snapshot ? (snapshot.shardsByNode[name] ?? 0) : name === self ? (state.cluster?.shards.length ?? 0) : null;
      const mine = domains.filter((domain) => domain.node === name).sort((a, b) => a.name.localeCompare(b.name));
      const meta = el('p', 'node-meta');
      const shardText = el('span', 'node-shards', held === null ? '? shards' : `${held} shard${held === 1 ? '' : 's'}`);
      if (held !== null) shardText.dataset.count = String(held);
      meta.appendChild(shardText);
      meta.appendChild(el('span', 'muted', ` · ${mine.length} domain${mine.length === 1 ? '' : 's'}`));
      card.appendChild(meta);
      const list = el('ul', 'node-domains');
      for (const domain of mine) {
        const item = el('li');
        item.dataset.domain = domain.name;
        item.appendChild(el('span', `status status-${domain.status}`, domain.status));
        item.appendChild(el('span', 'node-domain-name', ` ${domain.name}`));
        if (domain.epoch !== undefined) item.appendChild(el('span', 'muted', ` epoch ${domain.epoch}`));
        list.appendChild(item);
      }
      if (mine.length === 0) list.appendChild(el('li', 'muted', 'no domains'));
      card.appendChild(list);
      return card;
    });
    $('cluster-nodes').replaceChildren(...cards);
    const members = snapshot ? snapshot.members.length : (state.cluster?.members.length ?? 0);
    const age = snapshot?.viewAgeMs == null ? '' : `, leases read ${spanText(snapshot.viewAgeMs + (Date.now() - cluster.readAt))} ago`;
    $('cluster-summary').textContent = `(${members} node${members === 1 ? '' : 's'} up, leader ${leader ?? 'none'}, this node ${self ?? '?'}${age})`;
  }

  function renderLeases() {
    const snapshot = cluster.snapshot;
    if (!snapshot || cluster.cells.length === 0) return;
    const byShard = new Map();
    let tick = null;
    for (const lease of snapshot.leases) {
      if (lease.name === 'tick') tick = lease;
      else if (lease.name.startsWith('shard:')) byShard.set(Number(lease.name.slice(6)), lease);
    }
    const counts = new Map();
    let expired = 0;
    cluster.cells.forEach((cell, shard) => {
      const lease = byShard.get(shard);
      const names = [...(cluster.shardDomains.get(shard) || [])].sort();
      const domainsText = names.length ? `; domains: ${names.join(', ')}` : '';
      let className = 'lease';
      if (!lease) {
        className += ' lease-none';
        cell.dataset.owner = '';
        cell.title = `shard ${shard}: no lease yet${domainsText}`;
      } else if (!lease.valid) {
        className += ' lease-expired';
        expired += 1;
        cell.dataset.owner = '';
        cell.title = `shard ${shard}: free (last owner ${lease.owner}, epoch ${lease.epoch}, expired ${-lease.expiresInMs} ms ago)${domainsText}`;
      } else {
        className += ` ${ownerClass(lease.owner)}`;
        counts.set(lease.owner, (counts.get(lease.owner) ?? 0) + 1);
        cell.dataset.owner = lease.owner;
        cell.title = `shard ${shard}: owner ${lease.owner}, epoch ${lease.epoch}, expires in ${lease.expiresInMs} ms${domainsText}`;
      }
      if (names.length) className += ' has-domains';
      if (cell.className !== className) cell.className = className;
      cell.dataset.epoch = lease ? String(lease.epoch) : '';
    });
    const tickBox = $('tick-lease');
    tickBox.className = `tick-lease${tick?.valid ? '' : ' lease-expired-text'}`;
    tickBox.replaceChildren();
    const swatch = el('span', `swatch ${tick?.valid ? ownerClass(tick.owner) : 'lease-expired'}`);
    swatch.setAttribute('aria-hidden', 'true');
    tickBox.appendChild(swatch);
    tickBox.appendChild(
      el(
        'span',
        '',
        tick
          ? `tick lease: ${tick.valid ? tick.owner : `free (was ${tick.owner})`}, epoch ${tick.epoch}, ${tick.valid ? `expires in ${tick.expiresInMs} ms` : 'expired'}`
          : 'tick lease: none yet',
      ),
    );
    tickBox.dataset.owner = tick?.valid ? tick.owner : '';
    const legend = $('lease-legend');
    const items = [...counts.keys()].sort().map((owner) => {
      const item = el('li', `owner-legend ${ownerClass(owner)}`, `${owner}: ${counts.get(owner)}`);
      item.dataset.owner = owner;
      return item;
    });
    const free = SHARDS - [...counts.values()].reduce((sum, count) => sum + count, 0);
    if (free > 0) items.push(el('li', 'owner-legend lease-expired', `free: ${free}${expired < free ? ` (${free - expired} never taken)` : ''}`));
    legend.replaceChildren(...items);
    showLease(cluster.shown);
  }

  function renderCluster() {
    if (state.cluster && cluster.mode !== true) setClusterMode(true);
    ingestClusterEvents();
    if (cluster.mode !== true) return;
    renderNodes();
    renderLeases();
    renderClusterLog();
  }

  shared.renderHooks.push(renderCluster);

  // --- refresh loop -------------------------------------------------------------------------

  let busy = false;
  function refreshAll() {
    // One round at a time: a slow server or a hidden page never piles requests up.
    if (busy || document.hidden) return;
    busy = true;
    Promise.allSettled([refreshLoad(), refreshActors(), refreshPanels(), refreshCluster()]).then(() => {
      busy = false;
    });
  }

  buildLoadCharts();
  refreshRuns().catch(() => {});
  refreshAll();
  setInterval(refreshAll, REFRESH_MS);
  setInterval(() => refreshRuns().catch(() => {}), 15_000);
  window.addEventListener('resize', () => {
    renderLoad();
    document.querySelectorAll('canvas[data-draw]').forEach((canvas) => canvas.drawView?.());
    drawPastTimeline();
  });
})();
