// SPDX-License-Identifier: Apache-2.0
// The component page: its stats per window, executors (host, port, uptime, heartbeat, figures,
// worker log link), output and input streams, errors; live from one stream.
'use strict';

(() => {
    const {$, el, param, num, fmtNum, fmtSecs, fmtClock, age, fillTable, badge, heartbeatCell, logLink, stale} = tempest;
    const enc = encodeURIComponent;
    const topologyId = param('topology_id') || '';
    const componentId = param('id') || '';
    let win = param('window') || '600';
    $('window').value = win;
    $('topology-link').href = `/topology.html?id=${enc(topologyId)}&window=${enc(win)}`;
    const path = () => `/api/v1/topology/${enc(topologyId)}/component/${enc(componentId)}?window=${enc(win)}`;
    let live;

    function render(c) {
        const at = live.knownAt(path());
        $('name').textContent = c.id || componentId;
        document.title = `${c.id || componentId} — ${c.name || topologyId} — Tempest`;
        $('type').textContent = c.componentType || '—';
        $('topology-link').textContent = c.name || 'Topology';
        $('topology-status').textContent = c.topologyStatus ? `topology ${c.name || topologyId}: ${c.topologyStatus}` : '';
        const spout = String(c.componentType || '').toLowerCase() === 'spout';
        const windows = c.spoutSummary || c.boltStats || [];
        fillTable('stats', windows.map((w) => el('tr', {},
            el('td', {}, w.windowPretty || w.window), el('td', {class: 'num'}, fmtNum(w.emitted)),
            el('td', {class: 'num'}, fmtNum(w.transferred)),
            el('td', {class: 'num'}, fmtNum(spout ? w.completeLatency : (w.processLatency ?? w.executeLatency))),
            el('td', {class: 'num'}, fmtNum(w.executed)), el('td', {class: 'num'}, fmtNum(w.acked)),
            el('td', {class: 'num'}, fmtNum(w.failed)))), 'no figures yet');
        age($('stats-age'), at, 0, 'updated ');
        fillTable('executors', (c.executorStats || []).map((e) => el('tr', {class: stale.late(e) ? 'late' : ''},
            el('td', {}, e.id), el('td', {}, e.host), el('td', {class: 'num'}, e.port),
            el('td', {class: 'num'}, e.uptime || fmtSecs(e.uptimeSeconds)), heartbeatCell(e, at),
            el('td', {class: 'num'}, fmtNum(e.emitted)), el('td', {class: 'num'}, fmtNum(e.transferred)),
            el('td', {class: 'num'}, fmtNum(e.capacity, e.capacity === undefined ? undefined : 3)),
            el('td', {class: 'num'}, fmtNum(e.executed)),
            el('td', {class: 'num'}, fmtNum(spout ? e.completeLatency : (e.processLatency ?? e.executeLatency))),
            el('td', {class: 'num'}, fmtNum(e.acked)), el('td', {class: 'num'}, fmtNum(e.failed)),
            el('td', {}, logLink(e, `${e.host}:${e.port}`)))), 'no executors');
        fillTable('outputs', (c.outputStats || []).map((s) => el('tr', {},
            el('td', {}, s.stream), el('td', {class: 'num'}, fmtNum(s.emitted)), el('td', {class: 'num'}, fmtNum(s.transferred)),
            el('td', {class: 'num'}, fmtNum(s.acked)), el('td', {class: 'num'}, fmtNum(s.failed)))), 'no output streams');
        fillTable('inputs', (c.inputStats || []).map((s) => el('tr', {},
            el('td', {}, el('a', {href: `/component.html?topology_id=${enc(topologyId)}&id=${enc(s.component)}&window=${enc(win)}`}, s.component)),
            el('td', {}, s.stream), el('td', {class: 'num'}, fmtNum(s.executed)),
            el('td', {class: 'num'}, fmtNum(s.executeLatency)), el('td', {class: 'num'}, fmtNum(s.processLatency)),
            el('td', {class: 'num'}, fmtNum(s.acked)), el('td', {class: 'num'}, fmtNum(s.failed)))),
            spout ? 'a spout has no inputs' : 'no input streams');
        fillTable('errors', (c.componentErrors || []).map((e) => {
            // errorTime is documented in seconds, older Storm sent milliseconds.
            const t = num(e.errorTime);
            const ms = t === undefined ? undefined : (t > 1e11 ? t : t * 1000);
            return el('tr', {},
                el('td', {}, ms ? fmtClock(ms) + ' · ' : '', age(el('span'), at, num(e.errorLapsedSecs) || 0)),
                el('td', {}, e.errorHost ? `${e.errorHost}:${e.errorPort ?? ''}` : '—'),
                el('td', {class: 'wrap'}, e.error), el('td', {}, logLink({workerLogLink: e.errorWorkerLogLink})));
        }), 'no errors reported');
        const banner = $('stale');
        banner.replaceChildren();
        const a = stale.statsAge(c);
        if (stale.statsLate(c) || (a !== undefined && a > 30)) {
            banner.append(`Figures stopped arriving at ${fmtClock(at - (a || 0) * 1000)} — `, age(el('span'), at, a || 0),
                          '; the numbers below are as of then.');
        }
        $('problem').textContent = '';
    }

    live = new tempest.Live([path()], {
        update(p, data) { if (p === path()) render(data); },
        failure(p, status, error) {
            if (p === path()) {
                $('problem').textContent = `Cannot read this component — ${status}: ${error.errorMessage || error.error || 'failed'}`;
            }
        },
        checked() { age($('stats-age'), live.knownAt(path()), 0, 'updated '); },
    });

    $('window').addEventListener('change', () => {
        win = $('window').value;
        const url = new URL(window.location.href);
        url.searchParams.set('window', win);
        history.replaceState(null, '', url);
        $('topology-link').href = `/topology.html?id=${enc(topologyId)}&window=${enc(win)}`;
        live.setPaths([path()]);
    });
    if (!topologyId || !componentId) $('problem').textContent = 'Open this page from a topology page: topology_id and id are needed.';
})();
