#!/usr/bin/env node
// warc_check: reads a WARC or WARC.gz file with the npm `warcio` package (the
// Webrecorder reader) and checks what swarmcrawl's WarcWriter promises:
//   - every record's WARC-Block-Digest, and WARC-Payload-Digest where present,
//     recomputed from the bytes (sha1/sha256, base32 or hex values);
//   - Content-Length equals the block read; mandatory fields are present and
//     well formed (WARC-Record-ID, WARC-Date, WARC-Type, WARC-Target-URI where
//     required and absent on warcinfo); record IDs are unique and every
//     WARC-Concurrent-To / WARC-Refers-To / WARC-Warcinfo-ID names a record in
//     the file;
//   - response and request records parse as HTTP, and a response's HTTP
//     Content-Length (if any) equals its payload, with no Content-Encoding or
//     Transfer-Encoding left that would make readers decode the payload again;
//   - in a gzip file, every record starts its own gzip member;
//   - warcio itself printed no warning (it warns on framing errors).
// Prints one JSON line per record on stdout and exits 0 when there is no
// problem, 1 when there is one (each is also printed on stderr), 2 on usage or
// I/O errors.
//
// Usage: node tests/support/warc_check.mjs FILE
// Needs: npm ci --prefix tests/support/node   (installs warcio)
import { createRequire } from 'node:module';
import crypto from 'node:crypto';
import fs from 'node:fs';

const require = createRequire(new URL('./node/package.json', import.meta.url));
let WARCParser;
try {
  ({ WARCParser } = require('warcio'));
} catch (e) {
  console.error('warc_check: cannot load warcio; run: npm ci --prefix tests/support/node');
  process.exit(2);
}

const file = process.argv[2];
if (!file || process.argv.length > 3) {
  console.error('usage: node warc_check.mjs FILE.warc[.gz]');
  process.exit(2);
}
let head;
try {
  const fd = fs.openSync(file, 'r');
  head = Buffer.alloc(2);
  fs.readSync(fd, head, 0, 2, 0);
  fs.closeSync(fd);
} catch (e) {
  console.error(`warc_check: ${e.message}`);
  process.exit(2);
}
const gzipped = head[0] === 0x1f && head[1] === 0x8b;

const problems = [];
// warcio reports framing trouble (e.g. a wrong Content-Length) with console.warn.
console.warn = (...args) => problems.push(`warcio warning: ${args.join(' ')}`);

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
function base32(buf) {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of buf) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= 0xff;  // keep only the bits not yet written
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

// null when the field is absent, else whether it matches `data`.
function digestMatches(field, data) {
  if (field == null) return null;
  const colon = field.indexOf(':');
  if (colon < 0) return false;
  const algo = field.slice(0, colon).toLowerCase().replace('-', '');
  const value = field.slice(colon + 1).trim().replace(/=+$/, '');
  if (algo !== 'sha1' && algo !== 'sha256') return false;
  const digest = crypto.createHash(algo).update(data).digest();
  return value.toUpperCase() === base32(digest) || value.toLowerCase() === digest.toString('hex');
}

function indexOfBlankLine(buf) {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return crlf + 4;
  if (lf >= 0) return lf + 2;
  return -1;
}

const HTTP_TYPES = new Set(['response', 'request', 'revisit']);
const NEEDS_URI = new Set(['response', 'resource', 'request', 'revisit', 'conversion', 'continuation']);
const TYPES = new Set(['warcinfo', 'metadata', ...NEEDS_URI]);
const ID_RE = /^<urn:uuid:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}>$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

const results = [];
const ids = new Set();
const references = [];  // [record index, field, id]

// Pass 1: raw blocks, framing, fields and digests.
async function rawPass() {
  const parser = new WARCParser(fs.createReadStream(file), { parseHttp: false });
  let lastOffset = -1;
  for await (const record of parser) {
    const n = results.length;
    const h = record.warcHeaders.headers;
    const get = (name) => h.get(name);
    const offset = parser.offset;
    const block = Buffer.from(await record.readFully(false));
    const type = record.warcType;
    const result = {
      offset,
      type,
      target_uri: record.warcTargetURI ?? null,
      content_length: record.warcContentLength,
      block_digest_ok: digestMatches(record.warcBlockDigest, block),
      payload_digest_ok: null,
      problems: [],
    };
    const problem = (msg) => result.problems.push(msg);
    const version = record.warcHeaders.statusline;
    if (version !== 'WARC/1.1' && version !== 'WARC/1.0') problem(`bad version line "${version}"`);
    if (!TYPES.has(type)) problem(`unknown WARC-Type "${type}"`);
    const id = get('WARC-Record-ID');
    if (!id || !ID_RE.test(id)) problem(`bad WARC-Record-ID "${id}"`);
    else if (ids.has(id)) problem(`duplicate WARC-Record-ID ${id}`);
    else ids.add(id);
    if (!DATE_RE.test(get('WARC-Date') ?? '')) problem(`bad WARC-Date "${get('WARC-Date')}"`);
    if (block.length !== result.content_length) {
      problem(`Content-Length ${result.content_length} but block has ${block.length} bytes`);
    }
    if (NEEDS_URI.has(type) && !result.target_uri) problem('missing WARC-Target-URI');
    if (type === 'warcinfo' && get('WARC-Target-URI') != null) problem('WARC-Target-URI on warcinfo');
    if (result.block_digest_ok === null) problem('missing WARC-Block-Digest');
    if (result.block_digest_ok === false) problem('WARC-Block-Digest does not match the block');
    const payloadField = record.warcPayloadDigest;
    if (HTTP_TYPES.has(type) && /^application\/http/i.test(record.warcContentType ?? '')) {
      const start = indexOfBlankLine(block);
      if (start < 0) {
        problem('HTTP block without the blank line ending its head');
      } else if (type !== 'revisit') {
        result.payload_digest_ok = digestMatches(payloadField, block.subarray(start));
        if (result.payload_digest_ok === false) problem('WARC-Payload-Digest does not match the payload');
        if (type === 'response' && result.payload_digest_ok === null) problem('missing WARC-Payload-Digest');
      }
    } else if (payloadField != null && type !== 'revisit') {
      result.payload_digest_ok = digestMatches(payloadField, block);
      if (!result.payload_digest_ok) problem('WARC-Payload-Digest does not match the block');
    }
    for (const field of ['WARC-Concurrent-To', 'WARC-Refers-To', 'WARC-Warcinfo-ID']) {
      const v = get(field);
      if (v != null) for (const ref of v.split(',')) references.push([n, field, ref.trim()]);
    }
    if (gzipped) {
      if (offset <= lastOffset) problem('record does not start its own gzip member');
      lastOffset = offset;
    }
    results.push(result);
  }
}

// Pass 2: the same file through warcio's HTTP parsing and payload decoding.
async function httpPass() {
  const parser = new WARCParser(fs.createReadStream(file), { parseHttp: true });
  let n = 0;
  for await (const record of parser) {
    const result = results[n++];
    if (!result) break;
    if (!HTTP_TYPES.has(record.warcType) || record.warcType === 'revisit') {
      await record.readFully(false);
      continue;
    }
    const http = record.httpHeaders;
    if (!http) {
      result.problems.push('warcio found no HTTP head');
      await record.readFully(false);
      continue;
    }
    if (record.warcType === 'response') {
      result.http_status = Number(http.statusCode);
      if (!(result.http_status >= 100 && result.http_status <= 999)) {
        result.problems.push(`bad HTTP status line "${http.statusline}"`);
      }
      for (const name of ['Content-Encoding', 'Transfer-Encoding']) {
        if (http.headers.get(name)) result.problems.push(`HTTP ${name} left on a stored payload`);
      }
    }
    let payload;
    try {
      payload = await record.readFully(true);
    } catch (e) {
      result.problems.push(`warcio could not read the payload: ${e.message}`);
      continue;
    }
    const length = http.headers.get('Content-Length');
    if (length != null && Number(length) !== payload.length) {
      result.problems.push(`HTTP Content-Length ${length} but payload has ${payload.length} bytes`);
    }
  }
  if (n !== results.length) problems.push(`HTTP pass read ${n} records, raw pass ${results.length}`);
}

try {
  await rawPass();
  await httpPass();
} catch (e) {
  problems.push(`warcio failed: ${e.message}`);
}
if (results.length === 0) problems.push('no records');
for (const [n, field, ref] of references) {
  if (!ids.has(ref)) results[n].problems.push(`${field} ${ref} names no record in this file`);
}

let bad = problems.length;
for (const r of results) {
  r.ok = r.problems.length === 0;
  if (!r.ok) {
    bad++;
    for (const p of r.problems) console.error(`warc_check: record at offset ${r.offset} (${r.type}): ${p}`);
  }
  process.stdout.write(JSON.stringify(r) + '\n');
}
for (const p of problems) console.error(`warc_check: ${p}`);
console.error(`warc_check: ${results.length} records, ${bad} with problems${gzipped ? ' (gzip)' : ''}`);
process.exit(bad === 0 ? 0 : 1);
