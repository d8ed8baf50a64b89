// SPDX-License-Identifier: Apache-2.0
// The pages of `tempest ui` in headless Debian chromium, driven by playwright-core (pinned in
// package-lock.json). Run by ui_browser_test (ui_browser_test.cc), which starts the cluster:
//
//   TEMPEST_UI_URL=http://127.0.0.1:PORT TEMPEST_TOPOLOGY=wc TEMPEST_SCREENSHOTS=DIR node ui_pages_test.js
//
// Opens the cluster page, then the topology; sees its emitted count grow without a reload;
// deactivates it through the confirmation dialog and sees the status change; opens a worker log
// link; says when the UI goes away and comes back (ui_browser_test stops and restarts tempest ui
// when this script prints @@stop-ui and @@start-ui); saves screenshots. Every wait has a deadline. Steps that need a part of the system not
// there yet (the topology's figures, the logviewer) print "SKIP: ..." and go on. Exit status 0
// when every step that ran passed.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const http = require('http');
const {chromium} = require('playwright-core');

const base = process.env.TEMPEST_UI_URL;
const topology = process.env.TEMPEST_TOPOLOGY || 'wc';
const shots = process.env.TEMPEST_SCREENSHOTS || path.join(process.cwd(), 'screenshots');
const chromiumPath = process.env.TEMPEST_CHROMIUM || '/usr/bin/chromium';
if (!base) {
    console.error('ui_pages_test: set TEMPEST_UI_URL to the UI\'s address (http://HOST:PORT)');
    process.exit(2);
}

const step = (text) => console.log(`--- ${text}`);
const skip = (text) => console.log(`SKIP: ${text}`);

// Polls fn() (async) until it returns a truthy value, or throws `what` at the deadline.
async function until(what, fn, ms) {
    const deadline = Date.now() + ms;
    let last;
    while (Date.now() < deadline) {
        try {
            last = await fn();
            if (last) return last;
        } catch (e) {
            last = e.message;
        }
        await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error(`timed out after ${ms} ms waiting for ${what} (last: ${JSON.stringify(last)})`);
}

const digits = (text) => {
    const t = String(text || '').replace(/[^0-9]/g, '');
    return t === '' ? undefined : Number(t);
};

// GET `url` with a short deadline: {status, body} or {error}.
function probe(url, ms) {
    return new Promise((resolve) => {
        const req = http.get(url, {timeout: ms}, (res) => {
            let body = '';
            res.on('data', (c) => { body += c; });
            res.on('end', () => resolve({status: res.statusCode, body}));
        });
        req.on('timeout', () => { req.destroy(); resolve({error: `no answer within ${ms} ms`}); });
        req.on('error', (e) => resolve({error: e.message}));
    });
}

async function main() {
    fs.mkdirSync(shots, {recursive: true});
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tempest-chromium-'));
    // A fresh profile (--user-data-dir, which playwright takes as the persistent context's
    // directory) with the flags of MACHINE-NOTES.md.
    const context = await chromium.launchPersistentContext(profile, {
        executablePath: chromiumPath,
        headless: true,
        viewport: {width: 1280, height: 900},
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
               '--disable-component-update', '--disable-sync'],
    });
    const problems = [];
    try {
        const page = await context.newPage();
        page.on('pageerror', (e) => { console.log(`page error: ${e.stack || e.message}`); problems.push(`page error: ${e.message}`); });
        page.on('response', (r) => { if (r.status() >= 400 && !r.url().includes('/api/')) console.log(`${r.status()} ${r.url()}`); });
        page.on('console', (m) => { if (m.type() === 'error') console.log(`console error: ${m.text()}`); });

        step('cluster page');
        await page.goto(base + '/', {waitUntil: 'load'});
        await until('the live connection', async () => (await page.textContent('#live-status')) === 'Live', 20000);
        const link = page.locator('#topologies a', {hasText: topology});
        await until(`topology ${topology} listed`, async () => (await link.count()) === 1, 30000);
        await until('a supervisor listed', async () =>
            (await page.locator('#supervisors tbody tr:not(:has(.empty))').count()) >= 1, 30000);
        await until('the Nimbus leader listed', async () => /Leader/.test(await page.textContent('#nimbuses')), 20000);
        await until('the figures\' age shown', async () => /updated .* ago/.test(await page.textContent('#cluster-age')), 20000);
        await page.screenshot({path: path.join(shots, 'cluster.png'), fullPage: true});

        step('topology page');
        await link.click();
        await page.waitForURL(/\/topology\.html\?id=/, {timeout: 10000});
        await until('the status ACTIVE', async () => (await page.textContent('#status')) === 'ACTIVE', 30000);
        await until('the live connection', async () => (await page.textContent('#live-status')) === 'Live', 20000);

        step('emitted count grows without a reload');
        const figures = await until('the emitted count or a note that figures are not served', async () => {
            if (digits(await page.textContent('#summary-emitted')) !== undefined) return 'figures';
            if (/answers 404/.test(await page.textContent('#detail-problem'))) return 'none';
            return null;
        }, 30000);
        if (figures === 'none') {
            skip('GET /api/v1/topology/:id answers 404 on this build: the emitted count cannot be watched yet');
        } else {
            await page.evaluate(() => { window.__tempestNoReload = true; });
            const first = digits(await page.textContent('#summary-emitted'));
            const later = await until(`the emitted count to grow past ${first}`, async () => {
                const n = digits(await page.textContent('#summary-emitted'));
                return n > first ? n : null;
            }, 60000);
            if (!(await page.evaluate(() => window.__tempestNoReload === true))) {
                throw new Error('the page reloaded while the count grew');
            }
            console.log(`emitted ${first} -> ${later}`);
            const graph = await until('the graph drawn (or a 404 for the visualization)', async () => {
                if ((await page.locator('#graph svg .node').count()) >= 2) return 'drawn';
                if (/no graph: 404/.test(await page.textContent('#graph'))) return 'none';
                return null;
            }, 20000);
            if (graph === 'none') skip('GET /api/v1/topology/:id/visualization answers 404 on this build: no graph');
        }
        await page.screenshot({path: path.join(shots, 'topology.png'), fullPage: true});

        step('deactivate, with the confirmation');
        await page.click('#deactivate');
        await page.waitForSelector('#confirm[open]', {timeout: 5000});
        await page.click('#confirm-ok');
        await until('the action to succeed', async () => /deactivate: success/.test(await page.textContent('#action-result')), 20000);
        await until('the status INACTIVE', async () => (await page.textContent('#status')) === 'INACTIVE', 30000);
        await page.screenshot({path: path.join(shots, 'topology-inactive.png'), fullPage: true});

        step('the page says when the connection is lost, and reconnects');
        console.log('@@stop-ui');  // ui_browser_test stops tempest ui
        await until('the lost connection shown', async () =>
            /Connection lost/.test(await page.textContent('#live-status')), 30000);
        await page.screenshot({path: path.join(shots, 'topology-connection-lost.png')});
        console.log('@@start-ui');  // ... and starts it again on the same port
        await until('the page live again', async () => (await page.textContent('#live-status')) === 'Live', 60000);
        await until('the status shown again', async () => (await page.textContent('#status')) === 'INACTIVE', 30000);

        step('a worker log');
        const logs = page.locator('a.log-link');
        if ((await logs.count()) === 0) {
            skip('no worker log link on the topology page (workerLogLink not provided by this build)');
        } else {
            const href = await logs.first().getAttribute('href');
            const answer = await probe(href, 3000);
            if (answer.error) {
                skip(`the worker log link ${href} does not answer (${answer.error}): is the logviewer running?`);
            } else {
                const [logPage] = await Promise.all([context.waitForEvent('page'), logs.first().click()]);
                await logPage.waitForLoadState('load', {timeout: 15000});
                const text = await logPage.textContent('body');
                if (answer.status !== 200 || !text || !text.trim()) {
                    throw new Error(`the worker log ${href} answered ${answer.status} with ${JSON.stringify((text || '').slice(0, 200))}`);
                }
                console.log(`worker log ${href}: ${text.trim().length} characters shown`);
                await logPage.close();
            }
        }

        step('phone-sized viewport');
        await page.setViewportSize({width: 390, height: 844});
        await page.goto(base + '/', {waitUntil: 'load'});
        await until(`topology ${topology} listed`, async () => (await link.count()) === 1, 30000);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (overflow > 1) throw new Error(`the cluster page is ${overflow}px wider than a phone's screen`);
        await page.screenshot({path: path.join(shots, 'cluster-phone.png'), fullPage: true});
    } finally {
        await context.close();
        fs.rmSync(profile, {recursive: true, force: true});
    }
    if (problems.length) throw new Error(problems.join('\n'));
    console.log(`ui_pages_test: passed; screenshots in ${shots}`);
}

main().catch((e) => {
    console.error(`ui_pages_test: FAILED: ${e.stack || e.message}`);
    process.exit(1);
});
