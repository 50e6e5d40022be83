// The live deployment page: follows /deployments/{id}/events (server-sent events) and updates the
// state, the hosts table, the per-host timeline and the log. Writes text only (textContent), never HTML.
'use strict';

(function () {
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function stateClass(state) {
    return 'state state-' + String(state || '').replace(/[^a-z-]/g, '');
  }

  function start() {
    const live = document.getElementById('live');
    if (!live || live.dataset.finished === 'true') return;

    const state = document.getElementById('state');
    const hosts = document.querySelector('#hosts tbody');
    const timeline = document.getElementById('timeline');
    const log = document.getElementById('log');
    const rows = new Map();
    hosts.querySelectorAll('tr[data-key]').forEach(function (row) { rows.set(row.dataset.key, row); });
    const lanes = new Map();
    timeline.querySelectorAll('section[data-host]').forEach(function (lane) { lanes.set(lane.dataset.host, lane.querySelector('ol')); });

    function lane(host) {
      if (!lanes.has(host)) {
        const section = el('section', 'host');
        section.dataset.host = host;
        section.appendChild(el('h3', '', host));
        const list = el('ol');
        section.appendChild(list);
        timeline.appendChild(section);
        lanes.set(host, list);
      }
      return lanes.get(host);
    }

    function hostRow(e) {
      const key = e.host + '/' + e.step;
      let row = rows.get(key);
      if (!row) {
        row = el('tr');
        row.dataset.key = key;
        // Bytes from the coordinator and from peers: the activation reports them when it ends; a reload shows them.
        [e.host, e.step, '', '', '', '-', '-'].forEach(function (text) { row.appendChild(el('td', '', text)); });
        row.children[2].appendChild(el('span'));
        hosts.appendChild(row);
        rows.set(key, row);
      }
      const badge = row.children[2].firstChild;
      badge.className = stateClass(e.state);
      badge.textContent = e.state;
      row.children[3].textContent = e.releaseId || '-';
      row.children[4].textContent = e.message;
    }

    function timelineItem(e) {
      const item = el('li', e.kind === 'step' ? stateClass(e.state) : 'phase');
      item.appendChild(el('time', '', e.at));
      item.appendChild(document.createTextNode(' '));
      item.appendChild(el('b', '', e.step));
      item.appendChild(document.createTextNode((' ' + e.state + ' ' + e.message).replace(/\s+$/, '')));
      lane(e.host).appendChild(item);
    }

    function fact(id, text) {
      const node = document.getElementById(id);
      if (node && text) node.textContent = text;
    }

    function apply(e) {
      if (e.kind === 'deployment') {
        state.className = stateClass(e.state);
        state.textContent = e.state;
        fact('version', e.version);
        fact('release', e.releaseId);
        if (e.ended) fact('ended', e.when);
      } else if (e.kind === 'step') {
        hostRow(e);
        timelineItem(e);
        // The build step's host is the agent that built the release.
        if (e.builtBy) fact('built-by', e.host);
      } else if (e.kind === 'progress') {
        timelineItem(e);
      } else {
        const follow = log.scrollTop + log.clientHeight >= log.scrollHeight - 4;
        log.textContent += (log.textContent.length ? '\n' : '') + e.line;
        if (follow) log.scrollTop = log.scrollHeight;
      }
    }

    const source = new EventSource(live.dataset.events + '?after=' + encodeURIComponent(live.dataset.after));
    source.onmessage = function (message) { apply(JSON.parse(message.data)); };
    source.addEventListener('end', function () {
      source.close();
      // Nothing left to cancel; reloading the page shows what can be done now (deploy again, roll back).
      const cancel = document.getElementById('action-cancel');
      if (cancel) cancel.remove();
      live.dataset.finished = 'true';
      document.body.classList.add('ended');
    });
  }

  document.addEventListener('DOMContentLoaded', start);
})();
