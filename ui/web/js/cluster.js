// SPDX-License-Identifier: Apache-2.0
// The cluster page: summary, topologies (with their 10-minute rate), supervisors, Nimbus hosts,
// all live from one stream.
'use strict';

(() => {
    const {$, el, fmtNum, fmtRate, fmtSecs, age, fillTable, badge, heartbeatCell, num} = tempest;
    const P = {
        cluster: '/api/v1/cluster/summary',
        nimbus: '/api/v1/nimbus/summary',
        supervisors: '/api/v1/supervisor/summary',
        topologies: '/api/v1/topology/summary',
    };
    const RATE_WINDOW = 600;
    const MAX_RATE_TOPOLOGIES = 8;  // one evaluation per topology every poll: keep it bounded
    const detailPath = (id) => `/api/v1/topology/${encodeURIComponent(id)}?window=${RATE_WINDOW}`;

    let topologies = [];
    const rates = {};  // topology id -> tuples/s, or undefined when unknown
    let live;

    function showAge(id, path) {
        age($(id), live.knownAt(path), 0, 'updated ');
    }

    function renderCluster(c) {
        const cards = [
            ['Topologies', c.topologies], ['Supervisors', c.supervisors],
            ['Slots used', c.slotsUsed], ['Slots free', c.slotsFree], ['Slots', c.slotsTotal],
            ['Executors', c.executorsTotal], ['Tasks', c.tasksTotal], ['Version', c.stormVersion],
        ];
        $('cluster-cards').replaceChildren(...cards.map(([label, v]) =>
            el('div', {class: 'card'}, el('div', {class: 'label'}, label),
               el('div', {class: 'value', 'data-field': label}, typeof v === 'number' ? fmtNum(v) : (v ?? '—')))));
        $('cluster-problem').textContent = '';
    }

    // Tuples per second over the window, from topology/:id?window=600 (documented shape).
    function rateOf(t) {
        const stats = (t.topologyStats || []).find((s) => String(s.window) === String(RATE_WINDOW));
        const emitted = num(stats && stats.emitted);
        if (emitted === undefined) return undefined;
        const span = Math.min(RATE_WINDOW, Math.max(1, num(t.uptimeSeconds) || RATE_WINDOW));
        return emitted / span;
    }

    function renderTopologies() {
        fillTable('topologies', topologies.map((t) => el('tr', {'data-topology': t.id},
            el('td', {}, el('a', {href: `/topology.html?id=${encodeURIComponent(t.id)}`}, t.name || t.id)),
            el('td', {}, badge(t.status || '—')),
            el('td', {class: 'num'}, t.uptime || fmtSecs(t.uptimeSeconds)),
            el('td', {class: 'num'}, fmtNum(t.workersTotal)),
            el('td', {class: 'num'}, fmtNum(t.executorsTotal)),
            el('td', {class: 'num'}, fmtNum(t.tasksTotal)),
            el('td', {class: 'num'}, fmtRate(rates[t.id])),
            el('td', {class: 'note'}, t.id))), 'no topologies running');
    }

    function renderSupervisors(list) {
        const at = live.knownAt(P.supervisors);
        fillTable('supervisors', list.map((s) => el('tr', {class: tempest.stale.late(s) ? 'late' : ''},
            el('td', {}, s.host),
            el('td', {class: 'num'}, fmtNum(s.slotsUsed)),
            el('td', {class: 'num'}, fmtNum(s.slotsFree ?? (num(s.slotsTotal) - num(s.slotsUsed)))),
            el('td', {class: 'num'}, fmtNum(s.slotsTotal)),
            el('td', {class: 'num'}, s.uptime || fmtSecs(s.uptimeSeconds)),
            heartbeatCell(s, at),
            el('td', {}, s.version || '—'),
            el('td', {class: 'note'}, s.id))), 'no supervisors registered');
    }

    function renderNimbuses(list) {
        fillTable('nimbuses', list.map((n) => el('tr', {},
            el('td', {}, n.host), el('td', {class: 'num'}, n.port), el('td', {}, badge(n.status || '—')),
            el('td', {class: 'num'}, n.nimbusUpTime || fmtSecs(n.nimbusUpTimeSeconds)),
            el('td', {}, n.version || '—'))), 'no Nimbus answers');
    }

    function follow() {
        const ids = topologies.slice(0, MAX_RATE_TOPOLOGIES).map((t) => detailPath(t.id));
        live.setPaths([...Object.values(P), ...ids]);
    }

    live = new tempest.Live(Object.values(P), {
        update(path, data) {
            if (path === P.cluster) { renderCluster(data); showAge('cluster-age', path); }
            else if (path === P.nimbus) { renderNimbuses(data.nimbuses || []); showAge('nimbus-age', path); }
            else if (path === P.supervisors) { renderSupervisors(data.supervisors || []); showAge('supervisors-age', path); }
            else if (path === P.topologies) {
                topologies = data.topologies || [];
                renderTopologies();
                showAge('topologies-age', path);
                follow();
            } else if (path.startsWith('/api/v1/topology/')) {
                rates[data.id] = rateOf(data);
                renderTopologies();
            }
        },
        failure(path, status, error) {
            const why = `${status}: ${error.errorMessage || error.error || 'failed'}`;
            if (path === P.cluster) $('cluster-problem').textContent = 'Cannot read the cluster summary — ' + why;
            else if (path.startsWith('/api/v1/topology/') && path !== P.topologies) {
                // No figures for that topology (yet): its rate shows as unknown.
                const id = decodeURIComponent(path.split('/')[4].split('?')[0]);
                rates[id] = undefined;
                renderTopologies();
            }
        },
        checked() {
            for (const [id, path] of [['cluster-age', P.cluster], ['nimbus-age', P.nimbus],
                                      ['supervisors-age', P.supervisors], ['topologies-age', P.topologies]]) {
                if (live.knownAt(path)) showAge(id, path);
            }
        },
    });
})();
