// SPDX-License-Identifier: Apache-2.0
// What every page shares: building DOM safely (text only, never HTML from data), number and age
// formatting, reading Tempest's staleness fields whatever their exact name, the POST actions,
// and `Live`, the page's one EventSource on /api/v1/stream (ui/README.md, "Live updates").
'use strict';

const tempest = (() => {
    const $ = (id) => document.getElementById(id);

    // el('td', {class: 'num'}, 'text', child, ...): strings become text nodes.
    function el(tag, attrs, ...children) {
        const e = document.createElement(tag);
        for (const [k, v] of Object.entries(attrs || {})) {
            if (v === undefined || v === null || v === false) continue;
            if (k === 'class') e.className = v;
            else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
            else e.setAttribute(k, v === true ? '' : String(v));
        }
        for (const c of children.flat()) {
            if (c === undefined || c === null) continue;
            e.append(c instanceof Node ? c : document.createTextNode(String(c)));
        }
        return e;
    }

    function param(name) {
        return new URLSearchParams(window.location.search).get(name);
    }

    function num(v) {
        if (v === undefined || v === null || v === '') return undefined;
        const n = typeof v === 'number' ? v : Number(v);
        return Number.isFinite(n) ? n : undefined;
    }

    function fmtNum(v, digits) {
        const n = num(v);
        if (n === undefined) return '—';
        if (digits !== undefined) return n.toLocaleString('en-US', {minimumFractionDigits: digits, maximumFractionDigits: digits});
        return n.toLocaleString('en-US', {maximumFractionDigits: Number.isInteger(n) ? 0 : 3});
    }

    function fmtRate(perSec) {
        const n = num(perSec);
        if (n === undefined) return '—';
        return fmtNum(n, n < 10 ? 1 : 0) + '/s';
    }

    function fmtSecs(s) {
        let n = num(s);
        if (n === undefined) return '—';
        n = Math.max(0, Math.round(n));
        const d = Math.floor(n / 86400), h = Math.floor(n / 3600) % 24, m = Math.floor(n / 60) % 60, sec = n % 60;
        if (d) return `${d}d ${h}h ${m}m`;
        if (h) return `${h}h ${m}m ${sec}s`;
        if (m) return `${m}m ${sec}s`;
        return `${sec}s`;
    }

    function fmtClock(ms) {
        return new Date(ms).toLocaleTimeString('en-GB');
    }

    // The first field of `obj` whose name matches one of `patterns` (regexps), tried in order.
    function field(obj, patterns) {
        if (!obj || typeof obj !== 'object') return undefined;
        for (const p of patterns) {
            for (const k of Object.keys(obj)) {
                if (p.test(k) && obj[k] !== null && obj[k] !== undefined) return obj[k];
            }
        }
        return undefined;
    }

    // Tempest's staleness fields, under whichever name the API gives them.
    const stale = {
        // Seconds since the last heartbeat (of a worker, supervisor or executor).
        heartbeatAge: (o) => num(field(o, [/^heartbeatAgeSecs$/i, /^heartbeatAge/i, /heartbeat.*(age|lapsed|secs)/i,
                                             /^lastHeartbeat(Secs|Age)/i])),
        // True when the API marks it late.
        late: (o) => {
            const v = field(o, [/^late$/i, /^isLate$/i, /late/i, /^stale$/i]);
            return v === true || v === 'true' || v === 1;
        },
        // Seconds since a topology's or component's figures last arrived, when the API says.
        statsAge: (o) => num(field(o, [/^statsAgeSecs$/i, /^statsAge/i, /stats.*(age|lapsed|stale).*secs/i,
                                         /^lastStats.*(secs|age)/i, /^figuresAge/i])),
        statsLate: (o) => {
            const v = field(o, [/^statsLate$/i, /^statsStale$/i, /stats.*(late|stale)/i]);
            return v === true || v === 'true' || v === 1;
        },
    };

    // Marks `node` as showing something `secsAtMs` seconds old at time `atMs`: the ticker below
    // keeps its text current ("12s ago"), growing while no newer figure arrives.
    function age(node, atMs, baseSecs, prefix) {
        node.dataset.ageAt = String(atMs);
        node.dataset.ageBase = String(baseSecs || 0);
        node.dataset.agePrefix = prefix === undefined ? '' : prefix;
        renderAge(node);
        return node;
    }
    function renderAge(node) {
        const at = Number(node.dataset.ageAt);
        if (!at) {
            node.textContent = node.dataset.agePrefix + 'not yet';
            return;
        }
        const secs = Number(node.dataset.ageBase) + (Date.now() - at) / 1000;
        node.textContent = node.dataset.agePrefix + fmtSecs(secs) + ' ago';
    }
    setInterval(() => document.querySelectorAll('[data-age-at]').forEach(renderAge), 1000);

    // POST an action; resolves with the JSON answer or rejects with the API's errorMessage.
    async function post(path, body) {
        const res = await fetch(path, {
            method: 'POST',
            headers: body ? {'Content-Type': 'application/json'} : {},
            body: body ? JSON.stringify(body) : undefined,
        });
        let json = {};
        try { json = await res.json(); } catch (e) { /* an empty or non-JSON answer */ }
        if (!res.ok) throw new Error(json.errorMessage || `${res.status} ${res.statusText}`);
        return json;
    }

    // One EventSource on /api/v1/stream following `paths`. handlers.update(path, data) on each
    // changed answer, handlers.failure(path, status, error) on an error answer. Shows the
    // connection in #live-status, reconnects when the browser gives up, and treats 40 s without
    // any event (pings come every 15 s) as a dead connection. knownAt(path): when the page last
    // knew `path`'s answer to be current (the last change or the last check the server reported).
    class Live {
        constructor(paths, handlers) {
            this.handlers = handlers;
            this.paths = [];
            this.known = {};
            this.lostSince = null;
            this.attempts = 0;
            this.status = $('live-status');
            this.setPaths(paths);
            setInterval(() => this.watchdog(), 5000);
            setInterval(() => this.showStatus(), 1000);
        }

        setPaths(paths) {
            const sorted = [...new Set(paths)].sort();
            if (sorted.join('\n') === this.paths.join('\n') && this.es) return;
            this.paths = sorted;
            this.connect();
        }

        knownAt(path) { return this.known[path] || 0; }
        connected() { return !!this.es && this.es.readyState === EventSource.OPEN && !this.lostSince; }

        connect() {
            if (this.es) this.es.close();
            clearTimeout(this.retryTimer);
            const q = this.paths.map((p) => 'path=' + encodeURIComponent(p)).join('&');
            const es = new EventSource('/api/v1/stream?' + q);
            this.es = es;
            this.lastEvent = Date.now();
            es.onopen = () => {
                this.lostSince = null;
                this.attempts = 0;
                this.lastEvent = Date.now();
                this.showStatus();
            };
            es.addEventListener('update', (m) => this.onEvent(m, (d) => {
                this.known[d.path] = Date.now();
                this.handlers.update(d.path, d.data);
            }));
            es.addEventListener('failure', (m) => this.onEvent(m, (d) => {
                this.known[d.path] = Date.now();
                if (this.handlers.failure) this.handlers.failure(d.path, d.status, d.error || {});
            }));
            es.addEventListener('ping', (m) => this.onEvent(m, (d) => {
                for (const [p, ms] of Object.entries(d.checked || {})) {
                    if (ms) this.known[p] = Math.max(this.known[p] || 0, ms);
                }
                if (this.handlers.checked) this.handlers.checked();
            }));
            es.onerror = () => {
                if (es !== this.es) return;
                if (!this.lostSince) this.lostSince = Date.now();
                if (es.readyState === EventSource.CLOSED) this.retryLater();
                this.showStatus();
            };
        }

        onEvent(message, fn) {
            this.lastEvent = Date.now();
            this.lostSince = null;
            let data;
            try { data = JSON.parse(message.data); } catch (e) { return; }
            fn(data);
            this.showStatus();
        }

        retryLater() {
            this.attempts += 1;
            clearTimeout(this.retryTimer);
            this.retryTimer = setTimeout(() => this.connect(), Math.min(30000, 2000 * this.attempts));
        }

        watchdog() {
            if (this.es && Date.now() - this.lastEvent > 40000) {
                if (!this.lostSince) this.lostSince = Date.now();
                this.attempts += 1;
                this.connect();
            }
        }

        showStatus() {
            const s = this.status;
            if (!s) return;
            if (this.lostSince) {
                s.className = 'lost';
                s.textContent = `Connection lost ${fmtSecs((Date.now() - this.lostSince) / 1000)} ago — reconnecting…`;
                document.body.dataset.live = 'lost';
            } else if (this.es && this.es.readyState === EventSource.OPEN) {
                s.className = 'ok';
                s.textContent = 'Live';
                document.body.dataset.live = 'ok';
            } else {
                s.className = '';
                s.textContent = 'Connecting…';
                document.body.dataset.live = 'connecting';
            }
        }
    }

    // Replaces the rows of table `id`'s tbody; `rows` are <tr> elements. An empty list shows
    // `emptyText` in one row.
    function fillTable(id, rows, emptyText) {
        const body = $(id).querySelector('tbody');
        const cols = $(id).querySelectorAll('thead th').length || 1;
        body.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', {class: 'empty', colspan: cols}, emptyText || 'none'))]));
    }

    function badge(text) {
        return el('span', {class: 'badge ' + String(text).replace(/\s+/g, '')}, text);
    }

    // A heartbeat cell: the age growing live, and "late" when the API says so.
    function heartbeatCell(o, atMs) {
        const a = stale.heartbeatAge(o);
        const cell = el('td', {class: 'num'});
        if (a !== undefined) cell.append(age(el('span', {class: 'hb-age'}), atMs, a));
        else cell.append('—');
        if (stale.late(o)) cell.append(' ', badge('late'));
        return cell;
    }

    // The log link of a worker or executor: workerLogLink as the API gives it.
    function logLink(o, text) {
        const href = o && (o.workerLogLink || o.errorWorkerLogLink);
        if (!href || !/^https?:\/\//.test(href)) return '—';
        return el('a', {href, target: '_blank', rel: 'noopener', class: 'log-link'}, text || 'log');
    }

    return {$, el, param, num, fmtNum, fmtRate, fmtSecs, fmtClock, field, stale, age, post, Live, fillTable, badge, heartbeatCell, logLink};
})();
