// SPDX-License-Identifier: Apache-2.0
// The topology page: status and actions, the selected window's figures, a live throughput chart,
// the graph, spouts, bolts, workers and recent errors, live from one stream. Falls back to the
// topology summary (status, uptime, workers) while /api/v1/topology/:id has no answer.
'use strict';

(() => {
    const {$, el, param, num, fmtNum, fmtRate, fmtSecs, fmtClock, age, post, fillTable, badge,
           heartbeatCell, logLink, stale} = tempest;
    const id = param('id') || '';
    const enc = encodeURIComponent;
    let win = param('window') || '600';
    $('window').value = win;
    const S = '/api/v1/topology/summary';
    const detailPath = () => `/api/v1/topology/${enc(id)}?window=${enc(win)}`;
    const visPath = () => `/api/v1/topology/${enc(id)}/visualization?window=${enc(win)}`;
    const componentLink = (c) => `/component.html?topology_id=${enc(id)}&id=${enc(c)}&window=${enc(win)}`;

    let detail = null;        // the last answer of topology/:id
    let detailFailure = null; // {status, error} while it fails
    let summary = null;       // this topology's entry in topology/summary
    let summaryLoaded = false;
    let vis = null;
    let lastEmitted = null;   // {value, since}: the all-time emitted count and when it last moved
    let live;

    // --- throughput chart: tuples/s from the change of the all-time counts ---
    const chart = new Chart($('throughput'), {
        type: 'line',
        data: {labels: [], datasets: [
            {label: 'emitted/s', data: [], borderColor: '#2458c6', backgroundColor: '#2458c6', tension: 0.2, pointRadius: 0},
            {label: 'acked/s', data: [], borderColor: '#1a7f37', backgroundColor: '#1a7f37', tension: 0.2, pointRadius: 0},
        ]},
        options: {animation: false, responsive: true, maintainAspectRatio: false,
                  scales: {y: {beginAtZero: true}}, plugins: {legend: {position: 'bottom'}}},
    });
    // The counts move in steps, once per worker heartbeat (every few seconds), while updates
    // reach the page on their own beat: a rate over one update interval would swing between 0
    // and several times the truth. Each point is the rate over the last ~10 s of updates (at
    // least 4 s), which spans several heartbeats.
    const history = [];  // {t, emitted, acked}, oldest first
    function sample(d) {
        const all = (d.topologyStats || []).find((s) => s.window === ':all-time') || selected(d);
        const emitted = num(all && all.emitted);
        const acked = num(all && all.acked);
        if (emitted === undefined) return;
        const now = Date.now();
        const last = history[history.length - 1];
        if (last && emitted < last.emitted) history.length = 0;  // restarted: a new series
        history.push({t: now, emitted, acked});
        while (history.length > 2 && now - history[1].t >= 10000) history.shift();
        const base = history[0];
        const dt = (now - base.t) / 1000;
        if (dt >= 4) {
            chart.data.labels.push(fmtClock(now));
            chart.data.datasets[0].data.push((emitted - base.emitted) / dt);
            chart.data.datasets[1].data.push(acked === undefined || base.acked === undefined ? null : Math.max(0, acked - base.acked) / dt);
            if (chart.data.labels.length > 90) {
                chart.data.labels.shift();
                chart.data.datasets.forEach((s) => s.data.shift());
            }
            chart.update();
        }
        if (!lastEmitted || lastEmitted.value !== emitted) lastEmitted = {value: emitted, since: now};
    }

    function selected(d) {
        const stats = (d && d.topologyStats) || [];
        return stats.find((s) => String(s.window) === String(win)) || stats[0] || {};
    }
    function windowSecs(d) {
        if (win === ':all-time') return Math.max(1, num(d && d.uptimeSeconds) || 1);
        return Math.min(Number(win), Math.max(1, num(d && d.uptimeSeconds) || Number(win)));
    }

    function status() {
        return (detail && detail.status) || (summary && summary.status) || (summaryLoaded ? 'NOT FOUND' : '—');
    }

    function renderSummary() {
        const d = detail || {};
        const s = summary || {};
        const w = selected(detail);
        $('name').textContent = d.name || s.name || id;
        document.title = `${d.name || s.name || id} — Tempest`;
        const st = $('status');
        st.textContent = status();
        st.className = 'badge ' + status().replace(/\s+/g, '');
        const cards = [
            ['Uptime', d.uptime || s.uptime || fmtSecs(d.uptimeSeconds ?? s.uptimeSeconds), 'uptime'],
            ['Workers', fmtNum(d.workersTotal ?? s.workersTotal), 'workers'],
            ['Executors', fmtNum(d.executorsTotal ?? s.executorsTotal), 'executors'],
            ['Tasks', fmtNum(d.tasksTotal ?? s.tasksTotal), 'tasks'],
            ['Message timeout', d.msgTimeout === undefined ? '—' : `${d.msgTimeout}s`, 'timeout'],
            ['Emitted', fmtNum(w.emitted), 'emitted'],
            ['Transferred', fmtNum(w.transferred), 'transferred'],
            ['Acked', fmtNum(w.acked), 'acked'],
            ['Failed', fmtNum(w.failed), 'failed'],
            ['Complete latency (ms)', fmtNum(w.completeLatency), 'complete-latency'],
        ];
        $('summary-cards').replaceChildren(...cards.map(([label, v, key]) =>
            el('div', {class: 'card'}, el('div', {class: 'label'}, label), el('div', {class: 'value', id: 'summary-' + key}, v))));
        $('window-hint').textContent = d.windowHint ? `window: ${d.windowHint}` : '';
        age($('summary-age'), live.knownAt(detail ? detailPath() : S), 0, 'updated ');
        const p = $('detail-problem');
        if (detailFailure && detailFailure.status === 404 && summary) {
            p.textContent = 'Per-component figures are not available from this UI yet (topology/:id answers 404); status, uptime and workers come from the topology summary.';
        } else if (detailFailure) {
            p.textContent = `Cannot read the topology's figures — ${detailFailure.status}: ${detailFailure.error.errorMessage || detailFailure.error.error || 'failed'}`;
        } else {
            p.textContent = '';
        }
        renderStale();
    }

    // Says when the figures stopped arriving: the API's own staleness fields when it gives them,
    // else an ACTIVE topology whose all-time count has not moved for 30 s.
    function renderStale() {
        const banner = $('stale');
        banner.replaceChildren();
        const ageSecs = stale.statsAge(detail);
        // Late when the API says so, or (when it gives only an age) after 30 s without figures.
        if (detail && (stale.statsLate(detail) || (ageSecs !== undefined && ageSecs > 30))) {
            const since = live.knownAt(detailPath()) - (ageSecs || 0) * 1000;
            banner.append(`Figures stopped arriving at ${fmtClock(since)} — `,
                          age(el('span'), live.knownAt(detailPath()), ageSecs || 0), '; the numbers below are as of then.');
            return;
        }
        if (detailFailure && detailFailure.status !== 404 && detail) {
            banner.append(`Cannot read new figures (${detailFailure.status}); the numbers below are as of ${fmtClock(live.knownAt(detailPath()))}.`);
            return;
        }
        if (lastEmitted && status() === 'ACTIVE' && Date.now() - lastEmitted.since > 30000) {
            banner.append(`No new figures since ${fmtClock(lastEmitted.since)} (emitted count unchanged for `,
                          age(el('span'), lastEmitted.since, 0, ''), ').');
        }
    }
    setInterval(renderStale, 5000);

    function errorCell(c) {
        if (!c.lastError) return el('td', {}, '');
        return el('td', {class: 'wrap problem'}, String(c.lastError).slice(0, 160));
    }

    function renderComponents() {
        const d = detail || {};
        const spouts = d.spouts || [];
        const bolts = d.bolts || [];
        fillTable('spouts', spouts.map((s) => el('tr', {'data-component': s.spoutId},
            el('td', {}, el('a', {href: componentLink(s.spoutId)}, s.spoutId)),
            el('td', {class: 'num'}, fmtNum(s.executors)), el('td', {class: 'num'}, fmtNum(s.tasks)),
            el('td', {class: 'num'}, fmtNum(s.emitted)), el('td', {class: 'num'}, fmtNum(s.transferred)),
            el('td', {class: 'num'}, fmtNum(s.completeLatency)), el('td', {class: 'num'}, fmtNum(s.acked)),
            el('td', {class: 'num'}, fmtNum(s.failed)), errorCell(s))), detail ? 'no spouts' : 'no figures yet');
        fillTable('bolts', bolts.map((b) => {
            const cap = num(b.capacity);
            return el('tr', {'data-component': b.boltId},
                el('td', {}, el('a', {href: componentLink(b.boltId)}, b.boltId)),
                el('td', {class: 'num'}, fmtNum(b.executors)), el('td', {class: 'num'}, fmtNum(b.tasks)),
                el('td', {class: 'num'}, fmtNum(b.emitted)), el('td', {class: 'num'}, fmtNum(b.transferred)),
                el('td', {class: 'num' + (cap >= 0.8 ? ' problem' : '')}, fmtNum(b.capacity, 3)),
                el('td', {class: 'num'}, fmtNum(b.executeLatency)), el('td', {class: 'num'}, fmtNum(b.executed)),
                el('td', {class: 'num'}, fmtNum(b.processLatency)), el('td', {class: 'num'}, fmtNum(b.acked)),
                el('td', {class: 'num'}, fmtNum(b.failed)), errorCell(b));
        }), detail ? 'no bolts' : 'no figures yet');
        fillTable('topology-stats', (d.topologyStats || []).map((s) => el('tr', {},
            el('td', {}, s.windowPretty || s.window), el('td', {class: 'num'}, fmtNum(s.emitted)),
            el('td', {class: 'num'}, fmtNum(s.transferred)), el('td', {class: 'num'}, fmtNum(s.completeLatency)),
            el('td', {class: 'num'}, fmtNum(s.acked)), el('td', {class: 'num'}, fmtNum(s.failed)))), 'no figures yet');
        const at = live.knownAt(detailPath());
        fillTable('workers', (d.workers || []).map((w) => el('tr', {class: stale.late(w) ? 'late' : ''},
            el('td', {}, w.host), el('td', {class: 'num'}, w.port),
            el('td', {class: 'num'}, w.uptime || fmtSecs(w.uptimeSeconds)), heartbeatCell(w, at),
            el('td', {class: 'num'}, fmtNum(w.executorsTotal)),
            el('td', {class: 'wrap'}, Object.entries(w.componentNumTasks || {}).map(([c, n]) => `${c}×${n}`).join(', ')),
            el('td', {}, logLink(w, `${w.host}:${w.port}`)))), detail ? 'no workers' : 'no figures yet');
        const errors = [...spouts.map((s) => ({...s, component: s.spoutId})), ...bolts.map((b) => ({...b, component: b.boltId}))]
            .filter((c) => c.lastError)
            .sort((a, b) => (num(a.errorLapsedSecs) ?? 1e12) - (num(b.errorLapsedSecs) ?? 1e12));
        fillTable('errors', errors.map((c) => el('tr', {},
            el('td', {}, el('a', {href: componentLink(c.component)}, c.component)),
            el('td', {}, c.errorTime ? fmtClock(num(c.errorTime) * 1000) + ' · ' : '',
               age(el('span'), at, num(c.errorLapsedSecs) || 0)),
            el('td', {}, c.errorHost ? `${c.errorHost}:${c.errorPort ?? ''}` : '—'),
            el('td', {class: 'wrap'}, c.lastError), el('td', {}, logLink({workerLogLink: c.errorWorkerLogLink})))),
            'no errors reported');
    }

    function renderGraph() {
        if (!vis) return;
        const d = detail || {};
        const byId = {};
        for (const s of d.spouts || []) byId[s.spoutId] = s;
        for (const b of d.bolts || []) byId[b.boltId] = b;
        const secs = windowSecs(d);
        tempestGraph.draw($('graph'), vis, {
            capacity: (c, v) => v[':capacity'] ?? (byId[c] && byId[c].capacity),
            rate: (c, v) => {
                const t = num(v[':transferred']) ?? num(byId[c] && byId[c].transferred);
                return t === undefined ? undefined : t / secs;
            },
            link: componentLink,
        });
        age($('graph-age'), live.knownAt(visPath()), 0, 'updated ');
    }

    function follow() {
        live.setPaths([detailPath(), visPath(), S]);
    }

    live = new tempest.Live([detailPath(), visPath(), S], {
        update(path, data) {
            if (path === S) {
                summaryLoaded = true;
                summary = (data.topologies || []).find((t) => t.id === id) || null;
                renderSummary();
            } else if (path === detailPath()) {
                detail = data;
                detailFailure = null;
                sample(data);
                renderSummary();
                renderComponents();
                renderGraph();
            } else if (path === visPath()) {
                vis = data;
                renderGraph();
            }
        },
        failure(path, statusCode, error) {
            if (path === detailPath()) {
                detailFailure = {status: statusCode, error};
                if (statusCode === 404) detail = null;
                renderSummary();
                renderComponents();
            } else if (path === visPath() && !vis) {
                $('graph').replaceChildren(el('p', {class: 'empty'},
                    `no graph: ${statusCode} ${error.errorMessage || error.error || ''}`));
            }
        },
        checked() {
            age($('summary-age'), live.knownAt(detail ? detailPath() : S), 0, 'updated ');
            if (vis) age($('graph-age'), live.knownAt(visPath()), 0, 'updated ');
        },
    });

    $('window').addEventListener('change', () => {
        win = $('window').value;
        const url = new URL(window.location.href);
        url.searchParams.set('window', win);
        history.replaceState(null, '', url);
        detail = null;
        vis = null;
        follow();
    });

    // --- actions, each after a confirmation in a dialog ---
    function ask(text, fields) {
        return new Promise((resolve) => {
            const dialog = $('confirm');
            $('confirm-text').textContent = text;
            $('confirm-fields').replaceChildren(...fields.map((f) => el('label', {}, f.label,
                el('input', {id: 'field-' + f.name, type: 'number', min: 0, value: f.value ?? '', placeholder: f.placeholder || ''}))));
            dialog.addEventListener('close', () => {
                if (dialog.returnValue !== 'ok') return resolve(null);
                const values = {};
                for (const f of fields) values[f.name] = $('field-' + f.name).value;
                resolve(values);
            }, {once: true});
            dialog.returnValue = '';
            dialog.showModal();
        });
    }

    async function act(kind) {
        const name = $('name').textContent;
        let path = `/api/v1/topology/${enc(id)}/${kind}`;
        let body;
        let values;
        if (kind === 'activate' || kind === 'deactivate') {
            values = await ask(`${kind === 'activate' ? 'Activate' : 'Deactivate'} topology ${name}?`, []);
        } else if (kind === 'kill') {
            values = await ask(`Kill topology ${name}? Its workers stop after the wait.`,
                               [{name: 'wait', label: 'Wait (seconds)', value: 30}]);
        } else {
            values = await ask(`Rebalance topology ${name}?`,
                               [{name: 'wait', label: 'Wait (seconds)', value: 30},
                                {name: 'workers', label: 'Workers (empty: unchanged)', placeholder: 'unchanged'}]);
        }
        if (!values) return;
        if (kind === 'kill' || kind === 'rebalance') {
            const wait = String(values.wait || '0').trim();
            path += `/${enc(wait)}`;
            if (kind === 'rebalance' && String(values.workers || '').trim() !== '') {
                body = {rebalanceOptions: {numWorkers: Number(values.workers)}};
            }
        }
        const result = $('action-result');
        result.className = 'note';
        result.textContent = `${kind}: sending…`;
        try {
            const r = await post(path, body);
            result.textContent = `${kind}: ${r.status || 'done'} at ${fmtClock(Date.now())}`;
        } catch (e) {
            result.className = 'problem';
            result.textContent = `${kind} failed: ${e.message}`;
        }
    }
    for (const kind of ['activate', 'deactivate', 'rebalance', 'kill']) {
        $(kind).addEventListener('click', () => act(kind));
    }

    if (!id) $('detail-problem').textContent = 'No topology id given: open this page from the cluster page.';
})();
