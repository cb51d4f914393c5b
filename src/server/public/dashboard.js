// The Thunderline dashboard: plain script, no build, no CDN. Every string from the server is
// inserted with textContent, never as HTML.

(() => {
  // Okabe-Ito colours (safe for the common colour-vision deficiencies); every status is also shown as text.
  const STATUS_COLORS = {
    waiting: '#999999',
    active: '#009e73',
    inactive: '#56b4e9',
    crashed: '#d55e00',
    restarting: '#e69f00',
    failed: '#cc79a7',
  };
  const EVENT_STATUS = {
    domain_waiting: 'waiting',
    domain_activated: 'active',
    domain_deactivated: 'inactive',
    domain_crashed: 'crashed',
    domain_restarting: 'restarting',
    domain_failed: 'failed',
  };
  const HISTORY_STATUS = {
    waiting: 'waiting',
    activated: 'active',
    deactivated: 'inactive',
    crashed: 'crashed',
    restarting: 'restarting',
    failed: 'failed',
  };
  const TIMELINE_MAX_MS = 30 * 60 * 1000;
  const TIMELINE_MIN_MS = 20 * 1000;
  const LOG_LIMIT = 500;
  // Cluster mode (docs/cluster.md): the events the cluster view's failover timeline draws from.
  const CLUSTER_TYPES = new Set([
    'member_joined',
    'member_left',
    'member_dead',
    'leader_changed',
    'shard_acquired',
    'shard_released',
    'shard_fenced',
    'tick_gap',
    'lease_storage_failed',
  ]);
  const CLUSTER_LIMIT = 5000;
  const token = new URLSearchParams(location.search).get('token');

  const state = {
    runId: null,
    runStartedAt: null,
    helloSeq: null,
    lastSeq: null,
    tick: 0,
    lateMs: 0,
    domains: new Map(),
    tree: null,
    log: [],
    timeline: [],
    timelineKeys: new Set(),
    retries: 0,
    historyLoaded: false,
    socket: null,
    // Cluster mode only: hello.cluster (this node, members, leader), and the cluster events plus the
    // domain events that carry a node, oldest first, for observer.js's cluster view.
    cluster: null,
    clusterEvents: [],
  };
  /** Functions called on every render (observer.js's cluster view adds one). */
  const renderHooks = [];

  const $ = (id) => document.getElementById(id);
  const el = (tag, className, text) => {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = String(text);
    return node;
  };
  const timeText = (ms) => (ms ? new Date(ms).toLocaleTimeString() : '-');

  // --- connection -----------------------------------------------------------------------

  function connect() {
    const params = new URLSearchParams();
    // The first connection replays every event since the run began (seq 0), so a page opened late loses nothing.
    params.set('since', String(state.lastSeq ?? 0));
    if (token) params.set('token', token);
    const query = params.toString();
    const url = `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/events${query ? `?${query}` : ''}`;
    setConnection('connecting', state.retries > 0 ? `reconnecting (attempt ${state.retries})…` : 'connecting…');
    const socket = new WebSocket(url);
    state.socket = socket;
    socket.addEventListener('open', () => {
      state.retries = 0;
      setConnection('connected', 'live');
    });
    socket.addEventListener('message', (message) => {
      let frame;
      try {
        frame = JSON.parse(message.data);
      } catch {
        return;
      }
      if (Array.isArray(frame)) frame.forEach(applyEvent);
      else applyControl(frame);
      scheduleRender();
    });
    socket.addEventListener('close', (closeEvent) => {
      if (state.socket !== socket) return;
      state.retries += 1;
      const delay = Math.min(5000, 500 * 2 ** Math.min(state.retries - 1, 4));
      setConnection('disconnected', `disconnected (${closeEvent.code || 'no answer'}); retrying in ${Math.round(delay / 100) / 10}s`);
      setTimeout(connect, delay);
    });
  }

  function setConnection(kind, text) {
    const badge = $('connection');
    badge.className = `badge conn-${kind}`;
    badge.textContent = text;
    document.body.dataset.connection = kind;
    const banner = $('banner');
    // Shown only with a message: an empty banner while connecting would push the page down, then back up.
    banner.hidden = kind !== 'disconnected';
    banner.textContent = kind === 'disconnected' ? `Disconnected from the runtime: ${text}. The data below may be stale.` : '';
  }

  // --- frames ---------------------------------------------------------------------------

  function applyControl(frame) {
    switch (frame.type) {
      case 'hello': {
        const newRun = state.runId !== null && state.runId !== frame.runId;
        if (newRun) addNotice(`new run ${frame.runId}`);
        if (newRun) state.lastSeq = frame.seq;
        // Events up to hello.seq are already in the snapshot: replayed ones only fill the log and the timeline.
        state.helloSeq = frame.seq;
        state.runId = frame.runId;
        state.tick = frame.tick;
        state.lateMs = frame.lateMs;
        state.domains = new Map(frame.domains.map((domain) => [domain.name, { ...domain }]));
        state.tree = frame.tree;
        if (frame.cluster) state.cluster = frame.cluster;
        $('run').textContent = frame.runId;
        $('run').title = frame.runId;
        $('version').textContent = frame.version;
        $('interval').textContent = frame.tickInterval === 'manual' ? 'manual' : `${frame.tickInterval} ms`;
        for (const domain of frame.domains) addTimeline(domain.name, domain.status, domain.updatedAt);
        if (!state.historyLoaded) loadHistory();
        return;
      }
      case 'gap':
        addNotice(
          frame.missed === null
            ? `gap: the server does not know seq ${frame.since}; showing from seq ${frame.oldestSeq}`
            : `gap: ${frame.missed} events were lost while disconnected`,
          true,
        );
        return;
      case 'dropped':
        addNotice(`dropped: ${frame.count} events (seq ${frame.fromSeq}–${frame.toSeq}) were skipped, this page was too slow`, true);
        return;
      case 'error':
        addNotice(`server: ${frame.code}: ${frame.message}`, true);
        return;
      default:
    }
  }

  function applyEvent(event) {
    if (state.lastSeq !== null && event.seq <= state.lastSeq) return;
    state.lastSeq = event.seq;
    const at = Date.parse(event.time) || Date.now();
    const replayed = state.helloSeq !== null && event.seq <= state.helloSeq;
    if (CLUSTER_TYPES.has(event.type) || (EVENT_STATUS[event.type] && event.node !== undefined)) {
      state.clusterEvents.push(event);
      if (state.clusterEvents.length > CLUSTER_LIMIT) state.clusterEvents.splice(0, 1000);
    }
    if (replayed) {
      if (EVENT_STATUS[event.type]) addTimeline(event.domain, EVENT_STATUS[event.type], at);
      addLog(event);
      return;
    }
    if (event.type === 'tick') {
      state.tick = event.tick;
      state.lateMs = event.lateMs;
      for (const domain of state.domains.values()) if (domain.status === 'active') domain.lastTick = event.tick;
    }
    const status = EVENT_STATUS[event.type];
    if (status) {
      const previous = state.domains.get(event.domain);
      const domain = previous || {
        name: event.domain,
        restarts: 0,
        activatedAt: undefined,
        lastTick: 0,
      };
      domain.status = status;
      domain.tick = event.tick;
      domain.lastTick = Math.max(domain.lastTick || 0, event.tick);
      domain.updatedAt = at;
      if (status === 'active') domain.activatedAt = at;
      if (status === 'restarting') domain.restarts = (domain.restarts || 0) + 1;
      if (event.reason !== undefined) domain.reason = event.reason;
      if (event.node !== undefined) domain.node = event.node;
      if (event.epoch !== undefined) domain.epoch = event.epoch;
      state.domains.set(event.domain, domain);
      addTimeline(event.domain, status, at);
    }
    if (event.type.startsWith('child_') || event.type === 'supervisor_escalated') scheduleTree();
    addLog(event);
  }

  // --- history, tree ----------------------------------------------------------------------

  function api(path) {
    const headers = token ? { authorization: `Bearer ${token}` } : {};
    return fetch(path, { headers }).then((response) => {
      if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
      return response.json();
    });
  }

  function loadHistory() {
    state.historyLoaded = true;
    api('/api/history?limit=1000')
      .then((body) => {
        const entries = body.history.slice().reverse(); // oldest first
        for (const entry of entries) {
          const status = entry.status || HISTORY_STATUS[entry.event];
          addTimeline(entry.domain, status, entry.occurredAt);
        }
        const older = entries.map((entry) => ({
          kind: 'domain',
          history: true,
          text: `${new Date(entry.occurredAt).toISOString()}  history  ${entry.domain} ${entry.event}  tick=${entry.tick}${entry.reason ? `  reason: ${entry.reason}` : ''}`,
        }));
        state.log = older.concat(state.log).slice(-LOG_LIMIT);
        renderLog();
        scheduleRender();
      })
      .catch((error) => addNotice(`history unavailable: ${error.message}`, true));
  }

  let treeTimer = null;
  function scheduleTree() {
    if (treeTimer) return;
    treeTimer = setTimeout(() => {
      treeTimer = null;
      api('/api/tree')
        .then((body) => {
          state.tree = body.tree;
          renderTree();
        })
        .catch(() => {});
    }, 150);
  }

  // --- model helpers ----------------------------------------------------------------------

  function addTimeline(domain, status, at) {
    if (!status || !at) return;
    const key = `${domain}|${status}|${at}`;
    if (state.timelineKeys.has(key)) return;
    state.timelineKeys.add(key);
    state.timeline.push({ domain, status, at });
    if (state.timeline.length > 5000) {
      const removed = state.timeline.splice(0, 1000);
      for (const item of removed) state.timelineKeys.delete(`${item.domain}|${item.status}|${item.at}`);
    }
  }

  function kindOf(type) {
    if (type === 'tick') return 'tick';
    if (type.startsWith('domain_')) return 'domain';
    if (type.startsWith('child_') || type.startsWith('supervisor_')) return 'supervisor';
    if (CLUSTER_TYPES.has(type)) return 'cluster';
    return 'other';
  }

  function describe(event) {
    const head = `${event.time}  #${event.seq}  ${event.type}`;
    const reason = event.reason ? `  reason: ${event.reason}` : '';
    switch (kindOf(event.type)) {
      case 'tick':
        return `${head} ${event.tick}  active=${event.activeDomains}  late=${event.lateMs}ms`;
      case 'domain':
        return `${head} ${event.domain}  tick=${event.tick}${event.node !== undefined ? `  node=${event.node} epoch=${event.epoch}` : ''}${reason}`;
      case 'supervisor':
        return `${head} ${event.supervisor}/${event.child}  restarts=${event.restarts}${reason}`;
      case 'cluster': {
        const shards = event.shards ? `  shards=${event.shards.join(',')}` : '';
        const epochs = event.epochs ? `  epochs=${event.epochs.join(',')}` : '';
        const missed = event.missedTicks !== undefined ? `  missed=${event.missedTicks}` : '';
        return `${head} ${event.node}${shards}${epochs}${missed}${reason}`;
      }
      default: {
        const { seq, type, time, ...rest } = event;
        return `${head} ${JSON.stringify(rest).slice(0, 300)}`;
      }
    }
  }

  function addLog(event) {
    const entry = {
      kind: kindOf(event.type),
      text: describe(event),
      bad: /crashed|failed|escalated|exited/.test(event.type),
    };
    state.log.push(entry);
    if (state.log.length > LOG_LIMIT) state.log.shift();
    appendLog(entry);
  }

  function addNotice(text, bad) {
    const entry = {
      kind: 'notice',
      text: `${new Date().toISOString()}  ${text}`,
      bad: !!bad,
      notice: true,
    };
    state.log.push(entry);
    if (state.log.length > LOG_LIMIT) state.log.shift();
    appendLog(entry);
  }

  // --- rendering --------------------------------------------------------------------------

  function matches(entry) {
    const kind = $('filter-kind').value;
    const text = $('filter-text').value.trim().toLowerCase();
    if (kind !== 'all' && entry.kind !== kind && !entry.notice) return false;
    return !text || entry.text.toLowerCase().includes(text);
  }

  function logItem(entry) {
    const item = el('li', `kind-${entry.kind}${entry.bad ? ' bad' : ''}${entry.notice ? ' notice' : ''}${entry.history ? ' history' : ''}`, entry.text);
    item.title = entry.text;
    return item;
  }

  function appendLog(entry) {
    if (!matches(entry)) return;
    const list = $('log');
    list.insertBefore(logItem(entry), list.firstChild);
    while (list.childElementCount > LOG_LIMIT) list.lastElementChild.remove();
    $('log-count').textContent = `${list.childElementCount} shown`;
  }

  function renderLog() {
    const list = $('log');
    const fragment = document.createDocumentFragment();
    for (let index = state.log.length - 1; index >= 0; index -= 1) {
      const entry = state.log[index];
      if (matches(entry)) fragment.appendChild(logItem(entry));
    }
    list.replaceChildren(fragment);
    $('log-count').textContent = `${list.childElementCount} shown`;
  }

  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      renderHeader();
      renderDomains();
      renderTree();
      renderTimeline();
      for (const hook of renderHooks) hook();
    });
  }

  function renderHeader() {
    $('tick').textContent = String(state.tick);
    $('late').textContent = `${Math.round(state.lateMs)} ms`;
    const domains = [...state.domains.values()];
    $('active-count').textContent = `${domains.filter((domain) => domain.status === 'active').length}/${domains.length}`;
    const failing = domains.some((domain) => domain.status === 'failed');
    const degraded = domains.some((domain) => domain.status === 'crashed' || domain.status === 'restarting');
    const health = failing ? 'failing' : degraded ? 'degraded' : 'ok';
    const badge = $('health');
    badge.className = `badge health-${health}`;
    badge.textContent = `health: ${health}`;
    badge.dataset.health = health;
  }

  /** Cluster mode: the node a domain runs on (or last ran on); '' before it is placed. */
  const nodeOf = (domain) => domain.node ?? '';

  function renderDomains() {
    const body = $('domains').tBodies[0];
    const rows = [];
    const clustered = state.cluster !== null;
    const byName = (a, b) => a.name.localeCompare(b.name);
    // In cluster mode the rows are grouped by node, a heading row before each node's domains.
    const byNode = (a, b) => nodeOf(a).localeCompare(nodeOf(b)) || byName(a, b);
    let group = null;
    for (const domain of [...state.domains.values()].sort(clustered ? byNode : byName)) {
      if (clustered && nodeOf(domain) !== group) {
        group = nodeOf(domain);
        const count = [...state.domains.values()].filter((other) => nodeOf(other) === group).length;
        const heading = el('tr', 'node-group');
        heading.dataset.node = group;
        const self = group === state.cluster.node ? ' (this node)' : '';
        const cell = el('th', '', group ? `node ${group}${self} · ${count} domain${count === 1 ? '' : 's'}` : 'not placed yet');
        cell.colSpan = 6;
        cell.scope = 'colgroup';
        heading.appendChild(cell);
        rows.push(heading);
      }
      const row = el('tr');
      row.dataset.domain = domain.name;
      if (clustered) row.dataset.node = nodeOf(domain);
      const name = el('td', 'name', domain.name);
      if (clustered && domain.epoch !== undefined) name.appendChild(el('span', 'epoch', ` epoch ${domain.epoch}`));
      row.appendChild(name);
      const statusCell = el('td');
      statusCell.appendChild(el('span', `status status-${domain.status}`, domain.status));
      row.appendChild(statusCell);
      row.appendChild(el('td', 'last-tick', domain.lastTick ?? domain.tick ?? 0));
      row.appendChild(el('td', 'activated', timeText(domain.activatedAt)));
      row.appendChild(el('td', 'restarts', domain.restarts || 0));
      const reason = el('td', 'reason', domain.reason || '');
      reason.title = domain.reason || '';
      row.appendChild(reason);
      rows.push(row);
    }
    body.replaceChildren(...rows);
    $('no-domains').hidden = rows.length > 0;
  }

  function renderTree() {
    const container = $('tree');
    if (!state.tree) {
      container.replaceChildren(el('p', 'muted', 'waiting for the tree…'));
      return;
    }
    const list = el('ul');
    list.appendChild(supervisorItem(state.tree));
    container.replaceChildren(list);
  }

  /** Registry names of an actor (`rooms:lobby`), as small tags after its row. */
  function appendNames(parent, names) {
    for (const name of names || []) parent.appendChild(el('span', 'name-tag', name));
  }

  function supervisorItem(tree) {
    const item = el('li', 'supervisor');
    item.dataset.supervisor = tree.name;
    item.dataset.kind = tree.kind;
    item.appendChild(el('span', 'sup-name', tree.name));
    item.appendChild(el('span', 'muted', tree.kind === 'supervisor' ? ` ${tree.strategy}` : ` ${tree.kind}, ${tree.strategy}`));
    appendNames(item, tree.names);
    const { restarts, maxRestarts, maxSeconds } = tree.budget;
    const used = maxRestarts === 0 ? (restarts > 0 ? 1 : 0) : Math.min(1, restarts / maxRestarts);
    const bar = el('span', `budget${used >= 1 ? ' full' : used > 0 ? ' hot' : ''}`);
    const fill = el('span');
    fill.style.width = `${Math.round(used * 100)}%`;
    bar.appendChild(fill);
    item.appendChild(bar);
    item.appendChild(el('span', 'budget-text', `restarts ${restarts}/${maxRestarts} in ${maxSeconds}s`));
    const children = el('ul');
    for (const child of tree.children) {
      if (child.tree) {
        children.appendChild(supervisorItem(child.tree));
        continue;
      }
      const row = el('li', 'child');
      row.dataset.child = child.id;
      row.appendChild(el('span', '', child.id));
      row.appendChild(el('span', 'muted', ` ${child.type}, ${child.status}, ${child.restart}, restarts ${child.restarts}`));
      appendNames(row, child.names);
      children.appendChild(row);
    }
    item.appendChild(children);
    return item;
  }

  function renderTimeline() {
    const canvas = $('timeline');
    const names = [...state.domains.keys()].sort();
    const rowHeight = 18;
    const top = 4;
    const left = 110;
    const axis = 18;
    const { ctx, width } = fitCanvas(canvas, Math.max(60, top + names.length * rowHeight + axis));
    const now = Date.now();
    // The scale follows the run's age (from 20 s to 30 min), so a new run's timeline is filled.
    const span = Math.min(TIMELINE_MAX_MS, Math.max(TIMELINE_MIN_MS, (now - (state.runStartedAt ?? now)) * 1.1));
    const start = now - span;
    const x = (ms) => left + ((Math.max(ms, start) - start) / span) * (width - left - 8);
    ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    const sorted = state.timeline.slice().sort((a, b) => a.at - b.at);
    names.forEach((name, index) => {
      const y = top + index * rowHeight;
      ctx.fillStyle = '#dce3ea';
      ctx.fillText(name.length > 16 ? `${name.slice(0, 15)}…` : name, 4, y + rowHeight / 2);
      const changes = sorted.filter((item) => item.domain === name);
      changes.forEach((change, position) => {
        const next = changes[position + 1];
        const end = next ? next.at : now;
        if (end < start) return;
        ctx.fillStyle = STATUS_COLORS[change.status] || '#555';
        const x0 = x(change.at);
        ctx.fillRect(x0, y + 3, Math.max(2, x(end) - x0), rowHeight - 6);
        if (change.status === 'crashed' || change.status === 'failed') {
          ctx.fillStyle = '#ffffff';
          ctx.fillRect(x0, y + 1, 2, rowHeight - 2);
        }
      });
    });
    ctx.fillStyle = '#7d8a96';
    const axisY = top + names.length * rowHeight + axis / 2;
    $('timeline-span').textContent = `(last ${durationText(span)})`;
    for (let step = 5; step >= 0; step -= 1) {
      const ago = (span * step) / 5;
      const label = step === 0 ? 'now' : `-${durationText(ago)}`;
      const at = x(now - ago);
      ctx.fillText(label, Math.max(left, Math.min(at - 8, width - 30)), axisY);
      ctx.fillRect(at, top, 1, names.length * rowHeight);
    }
  }

  /** A canvas sized to its box and the device pixel ratio, cleared; its 2D context and size. */
  function fitCanvas(canvas, height) {
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || 300;
    if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(height * ratio);
      canvas.style.height = `${height}px`;
    }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '11px system-ui, sans-serif';
    return { ctx, width, height };
  }

  function durationText(ms) {
    if (ms < 90_000) return `${Math.round(ms / 1000)}s`;
    return `${Math.round(ms / 60_000)}m`;
  }

  function renderLegend() {
    const legend = $('legend');
    for (const [status, color] of Object.entries(STATUS_COLORS)) {
      const item = el('li', '', status);
      item.style.setProperty('--swatch', color);
      legend.appendChild(item);
    }
  }

  $('filter-kind').addEventListener('change', renderLog);
  $('filter-text').addEventListener('input', renderLog);
  window.addEventListener('resize', scheduleRender);
  setInterval(scheduleRender, 1000);
  setInterval(() => {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) scheduleTree();
  }, 5000);
  renderLegend();
  // The observer views (observer.js) share the connection's helpers and state.
  window.thunderline = { api, state, STATUS_COLORS, el, fitCanvas, scheduleRender, renderHooks };
  api('/api/runs')
    .then((body) => {
      const current = body.runs.find((run) => run.runId === body.current);
      if (current) state.runStartedAt = current.startedAt;
    })
    .catch(() => {});
  connect();
})();
