// SPDX-License-Identifier: Apache-2.0
// The topology drawn as a graph: dagre (npm @dagrejs/dagre, embedded as /lib/dagre.min.js) lays
// the components out, this file draws them as SVG. Input: Storm's visualization JSON, a map
// component id -> {":type", ":capacity", ":transferred", ":inputs": [{":component", ":stream",
// ":grouping"}], ...}. Components are coloured by capacity (bolts) and edges are as wide as the
// rate of tuples their source transfers.
'use strict';

const tempestGraph = (() => {
    const SVG = 'http://www.w3.org/2000/svg';
    const svg = (tag, attrs, ...children) => {
        const e = document.createElementNS(SVG, tag);
        for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
        for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
        return e;
    };

    // The component map inside `vis`, whichever wrapper it comes in.
    function componentsOf(vis) {
        if (!vis || typeof vis !== 'object') return {};
        const looksLikeComponents = (o) => o && typeof o === 'object' && Object.values(o).some(
            (v) => v && typeof v === 'object' && (':inputs' in v || ':type' in v));
        if (looksLikeComponents(vis)) return vis;
        for (const v of Object.values(vis)) if (looksLikeComponents(v)) return v;
        return {};
    }

    // Green below 50 % capacity, amber below 80 %, red above: Storm's UI thresholds.
    function capacityColour(c) {
        if (c === undefined) return '#eef0f3';
        if (c >= 0.8) return '#f8c9c5';
        if (c >= 0.5) return '#fde3b5';
        return '#cdeed6';
    }

    // Draws into `container`. info.capacity(id), info.rate(id) may give figures the
    // visualization lacks; info.link(id) the component page's URL.
    function draw(container, vis, info) {
        const comps = componentsOf(vis);
        const ids = Object.keys(comps).filter((id) => !id.startsWith('__'));
        if (!ids.length) {
            container.replaceChildren(tempest.el('p', {class: 'empty'}, 'no graph to draw'));
            return;
        }
        const g = new dagre.graphlib.Graph({multigraph: true});
        g.setGraph({rankdir: 'LR', nodesep: 24, ranksep: 70, marginx: 10, marginy: 10});
        g.setDefaultEdgeLabel(() => ({}));
        const num = tempest.num;
        for (const id of ids) {
            g.setNode(id, {label: id, width: Math.max(90, id.length * 8 + 30), height: 44});
        }
        const rates = {};
        let maxRate = 0;
        for (const id of ids) {
            const r = num(info.rate(id, comps[id]));
            rates[id] = r;
            if (r !== undefined) maxRate = Math.max(maxRate, r);
        }
        for (const id of ids) {
            for (const input of comps[id][':inputs'] || []) {
                const from = input[':component'];
                if (!from || from.startsWith('__') || !g.hasNode(from)) continue;
                const stream = input[':stream'] || 'default';
                g.setEdge(from, id, {stream, grouping: input[':grouping'] || ''}, `${from}:${stream}`);
            }
        }
        dagre.layout(g);
        const {width, height} = g.graph();
        const root = svg('svg', {viewBox: `0 0 ${width} ${height}`, width, height, role: 'img',
                                 'aria-label': 'topology graph'});
        root.append(svg('defs', {}, svg('marker', {id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5,
                                                   markerUnits: 'userSpaceOnUse', markerWidth: 10, markerHeight: 10,
                                                   orient: 'auto-start-reverse'},
                                            svg('path', {d: 'M 0 0 L 10 5 L 0 10 z', fill: '#667085'}))));
        for (const e of g.edges()) {
            const edge = g.edge(e);
            const r = rates[e.v];
            const w = r === undefined || maxRate <= 0 ? 1.5 : 1.5 + 6 * Math.log1p(r) / Math.log1p(maxRate);
            const d = edge.points.map((p, i) => `${i ? 'L' : 'M'} ${p.x} ${p.y}`).join(' ');
            const title = `${e.v} → ${e.w} (${edge.stream}, ${edge.grouping || 'grouping ?'}): ` +
                          (r === undefined ? 'rate unknown' : tempest.fmtRate(r));
            root.append(svg('path', {d, fill: 'none', stroke: '#667085', 'stroke-width': w.toFixed(1),
                                     'marker-end': 'url(#arrow)', class: 'edge', 'data-rate': r ?? ''},
                             svg('title', {}, title)));
        }
        for (const id of ids) {
            const n = g.node(id);
            const c = comps[id];
            const spout = c[':type'] === 'spout';
            const cap = spout ? undefined : num(info.capacity(id, c));
            const fill = spout ? '#d8e4fb' : capacityColour(cap);
            const sub = spout ? 'spout' : `capacity ${cap === undefined ? '—' : cap.toFixed(3)}`;
            const a = svg('a', {href: info.link(id), class: 'node', 'data-component': id});
            a.append(svg('rect', {x: n.x - n.width / 2, y: n.y - n.height / 2, width: n.width, height: n.height,
                                  rx: 6, fill, stroke: '#98a2b3'}),
                     svg('text', {x: n.x, y: n.y - 4, 'text-anchor': 'middle', 'font-weight': 600}, id),
                     svg('text', {x: n.x, y: n.y + 13, 'text-anchor': 'middle', fill: '#475467'}, sub),
                     svg('title', {}, `${id} (${spout ? 'spout' : 'bolt'}) — ${sub}; ` +
                                      (rates[id] === undefined ? 'rate unknown' : tempest.fmtRate(rates[id]))));
            root.append(a);
        }
        container.replaceChildren(root);
    }

    return {draw, componentsOf};
})();
