/**
 * What users look at, from a real run of the default scenario: Wireshark's tshark decrypts the
 * capture with the key log and finds the HTTP request, and headless Chromium renders the report
 * with every chart drawn and nothing logged.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cesim } from '../cli/helpers.js';
import { tshark, fieldRows, RUN_TSHARK_SUITES } from '../capture/tshark.js';
import { Chromium, RUN_CHROMIUM_SUITES } from '../report/cdp.js';

const dir = mkdtempSync(join(tmpdir(), 'cesim-artifacts-'));
const f = (n: string) => join(dir, n);
let code = -1;

beforeAll(async () => {
  code = (await cesim('run', 'default', '--pcap', f('run.pcap'), '--keylog', f('run.keys'), '--report', f('run.html'))).code;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(RUN_TSHARK_SUITES)('the capture of a cesim run in tshark', () => {
  it('decrypts with the NSS key log: the HTTP/1.0 GET and the 200 response', async () => {
    expect(code).toBe(0);
    const out = await tshark(['-r', f('run.pcap'), '-o', `tls.keylog_file:${f('run.keys')}`, '-Y', 'http', '-T', 'fields', '-e', 'ip.src', '-e', 'http.request.method', '-e', 'http.request.uri', '-e', 'http.response.code']);
    const rows = fieldRows(out);
    expect(rows).toContainEqual(['10.0.0.2', 'GET', '/index.html', '']);
    expect(rows.some((r) => r[0] === '10.0.0.1' && r[3] === '200')).toBe(true);
  });
  it('without the key log the HTTP stays encrypted; the TLS 1.3 handshake dissects', async () => {
    expect(fieldRows(await tshark(['-r', f('run.pcap'), '-Y', 'http']))).toEqual([]);
    const hs = fieldRows(await tshark(['-r', f('run.pcap'), '-Y', 'tls.handshake.type == 1', '-T', 'fields', '-e', 'tls.handshake.extensions_server_name']));
    expect(hs).toEqual([['device.test']]);
  });
});

describe.runIf(RUN_CHROMIUM_SUITES)('the report of a cesim run in headless Chromium', () => {
  it('renders every chart, logs no error and loads nothing else', async () => {
    expect(code).toBe(0);
    const browser = Chromium.launch(f('profile'));
    try {
      const target = await browser.send('Target.createTarget', { url: 'about:blank' });
      const attached = await browser.send('Target.attachToTarget', { targetId: target.targetId, flatten: true });
      const sessionId = String(attached.sessionId);
      for (const d of ['Runtime', 'Log', 'Page', 'Network']) await browser.send(`${d}.enable`, {}, sessionId);
      const loaded = browser.waitFor('Page.loadEventFired');
      await browser.send('Page.navigate', { url: pathToFileURL(f('run.html')).href }, sessionId);
      await loaded;
      const r = await browser.send(
        'Runtime.evaluate',
        {
          expression: `JSON.stringify([...document.querySelectorAll('[data-chart]')].map((s) => ({ kind: s.getAttribute('data-chart'), marks: s.querySelectorAll('path,line,rect,circle').length, w: s.getBoundingClientRect().width })))`,
          returnByValue: true,
        },
        sessionId,
      );
      const charts = JSON.parse(String((r.result as { value: string }).value)) as { kind: string; marks: number; w: number }[];
      for (const kind of ['sequence', 'memory', 'cpu']) expect(charts.some((c) => c.kind === kind), kind).toBe(true);
      for (const c of charts) {
        expect(c.marks).toBeGreaterThan(0);
        expect(c.w).toBeGreaterThan(100);
      }
      const problems = browser.events.filter(
        (e) =>
          e.sessionId === sessionId &&
          (e.method === 'Runtime.exceptionThrown' ||
            (e.method === 'Runtime.consoleAPICalled' && ['error', 'warning'].includes(String(e.params.type))) ||
            (e.method === 'Log.entryAdded' && ['error', 'warning'].includes(String((e.params.entry as { level?: string }).level)))),
      );
      expect(problems).toEqual([]);
      const urls = browser.events.filter((e) => e.method === 'Network.requestWillBeSent').map((e) => String((e.params.request as { url: string }).url));
      expect(urls).toEqual([pathToFileURL(f('run.html')).href]);
    } finally {
      await browser.close();
    }
  });
});
