// SPDX-License-Identifier: Apache-2.0
// A shell bolt in Node.js for tests/cluster/multilang_test.cc, speaking Storm's multilang
// protocol directly: it emits ["echo", X] anchored to each input ["echo X"] and acks it, fails
// inputs ["fail"], and answers heartbeats.
'use strict';
const fs = require('fs');
const path = require('path');

let buffer = '';
let lines = [];
let setupDone = false;

function send(obj) {
    process.stdout.write(JSON.stringify(obj) + '\nend\n');
}

function handle(msg) {
    if (!setupDone) {
        setupDone = true;
        fs.writeFileSync(path.join(msg.pidDir, String(process.pid)), '');
        send({pid: process.pid});
        return;
    }
    if (msg.task === -1 && msg.stream === '__heartbeat') {
        send({command: 'sync'});
        return;
    }
    const [cmd, ...rest] = String(msg.tuple[0]).split(' ');
    if (cmd === 'echo') {
        send({command: 'emit', anchors: [msg.id], tuple: ['echo', rest.join(' ')],
              need_task_ids: false});
        send({command: 'ack', id: msg.id});
    } else {
        send({command: 'fail', id: msg.id});
    }
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        if (line === 'end') {
            const msg = JSON.parse(lines.join('\n'));
            lines = [];
            handle(msg);
        } else {
            lines.push(line);
        }
    }
});
process.stdin.on('end', () => process.exit(0));
