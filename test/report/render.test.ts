/**
 * The run report in a real browser: headless Chromium (over the DevTools protocol on a pipe)
 * loads the fixture's report from a file, and the test reads the rendered DOM, the console
 * and the network log, then takes a full-page screenshot.
 *
 * Set CESIM_REPORT_SCREENSHOT=path to keep the screenshot for a look.
 */

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeReport } from '../../emulator/report/index.js';
import { CHROMIUM, Chromium, RUN_CHROMIUM_SUITES } from './cdp.js';
import { tlsRunFixture } from './fixture.js';

/** What the page reports about itself. */
interface PageFacts {
  title: string;
  scripts: number;
  charts: {
    id: string;
    kind: string;
    paths: number;
    lines: number;
    rects: number;
    circles: number;
    texts: number;
    width: number;
    height: number;
    clipped: string[];
  }[];
  sequenceLabels: string[];
  assertionRows: number;
  failedRows: number;
  stackRows: number;
  bucketRows: number;
  fragRows: number;
  adviceRows: number;
  bodyText: string;
  scrollWidth: number;
  clientWidth: number;
}

/** Runs in the page: counts each chart's drawn elements and measures it. */
const FACTS = `(() => {
  const charts = [...document.querySelectorAll('[data-chart]')].map((svg) => {
    const box = svg.getBoundingClientRect();
    return {
      id: svg.id,
      kind: svg.getAttribute('data-chart'),
      paths: svg.querySelectorAll('path').length,
      lines: svg.querySelectorAll('line').length,
      rects: svg.querySelectorAll('rect').length,
      circles: svg.querySelectorAll('circle').length,
      texts: svg.querySelectorAll('text').length,
      width: box.width,
      height: box.height,
      // Text drawn (partly) outside the chart's viewBox would be clipped.
      clipped: [...svg.querySelectorAll('text')].filter((t) => {
        const b = t.getBBox();
        const vb = svg.viewBox.baseVal;
        return b.x < -0.5 || b.y < -0.5 || b.x + b.width > vb.width + 0.5 || b.y + b.height > vb.height + 0.5;
      }).map((t) => t.textContent),
    };
  });
  return JSON.stringify({
    title: document.title,
    scripts: document.scripts.length,
    charts,
    sequenceLabels: [...document.querySelectorAll('#chart-sequence .msg-label')].map((t) => t.textContent),
    assertionRows: document.querySelectorAll('table.assertions tbody tr').length,
    failedRows: document.querySelectorAll('table.assertions tbody tr.failed').length,
    stackRows: document.querySelectorAll('table.stack tbody tr').length,
    bucketRows: document.querySelectorAll('table.buckets tbody tr').length,
    fragRows: document.querySelectorAll('table.fragmentation tbody tr').length,
    adviceRows: document.querySelectorAll('table.advice tbody tr').length,
    bodyText: document.body.innerText,
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  });
})()`;

describe.runIf(RUN_CHROMIUM_SUITES)('the run report renders in headless Chromium', () => {
  let dir = '';
  let browser: Chromium | undefined;
  let facts: PageFacts;
  let png: Buffer;
  let sessionId = '';
  const started = Date.now();

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cesim-report-'));
    const file = join(dir, 'report.html');
    await writeReport(file, tlsRunFixture());

    browser = Chromium.launch(join(dir, 'profile'));
    const target = await browser.send('Target.createTarget', { url: 'about:blank' });
    const attached = await browser.send('Target.attachToTarget', { targetId: target.targetId, flatten: true });
    sessionId = String(attached.sessionId);
    for (const domain of ['Runtime', 'Log', 'Page', 'Network']) await browser.send(`${domain}.enable`, {}, sessionId);
    await browser.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false }, sessionId);
    const loaded = browser.waitFor('Page.loadEventFired');
    await browser.send('Page.navigate', { url: pathToFileURL(file).href }, sessionId);
    await loaded;

    const evaluated = await browser.send('Runtime.evaluate', { expression: FACTS, returnByValue: true }, sessionId);
    const result = evaluated.result as { value?: string };
    facts = JSON.parse(String(result.value)) as PageFacts;

    // A full-page screenshot: grow the viewport to the content's height first.
    const metrics = await browser.send('Page.getLayoutMetrics', {}, sessionId);
    const content = metrics.cssContentSize as { width: number; height: number };
    await browser.send('Emulation.setDeviceMetricsOverride', { width: 1280, height: Math.ceil(content.height), deviceScaleFactor: 1, mobile: false }, sessionId);
    const shot = await browser.send('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true }, sessionId);
    png = Buffer.from(String(shot.data), 'base64');
    await writeFile(join(dir, 'report.png'), png);
    if (process.env.CESIM_REPORT_SCREENSHOT) await writeFile(process.env.CESIM_REPORT_SCREENSHOT, png);
    console.info(`chromium (${CHROMIUM}) launch, render and screenshot took ${Date.now() - started} ms`);
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('logged no errors or warnings: no exceptions, console errors, or CSP violations', () => {
    const problems = browser!.events.filter(
      (e) =>
        e.sessionId === sessionId &&
        (e.method === 'Runtime.exceptionThrown' ||
          (e.method === 'Runtime.consoleAPICalled' && ['error', 'warning', 'assert'].includes(String(e.params.type))) ||
          (e.method === 'Log.entryAdded' && ['error', 'warning'].includes(String((e.params.entry as { level?: string }).level)))),
    );
    expect(problems).toEqual([]);
  });

  it('loaded nothing but the report file itself', () => {
    const urls = browser!.events.filter((e) => e.method === 'Network.requestWillBeSent').map((e) => String((e.params.request as { url: string }).url));
    expect(urls).toHaveLength(1);
    expect(urls[0]).toMatch(/^file:\/\/.*report\.html$/);
  });

  it('has no script and the expected title', () => {
    expect(facts.scripts).toBe(0);
    expect(facts.title).toBe('cesim run: tls13-handshake/ce210-handheld → gateway (fail)');
  });

  it('draws every chart with visible elements and a non-zero size', () => {
    expect(facts.charts.map((c) => `${c.kind}:${c.id}`)).toEqual([
      'sequence:chart-sequence',
      'memory:chart-memory-handheld-tls',
      'memory:chart-memory-handheld-heap',
      'memory:chart-memory-gateway-tls',
      'fragmentation:chart-frag-handheld-tls',
      'fragmentation:chart-frag-handheld-heap-3',
      'cpu:chart-cpu-handheld',
      'cpu:chart-cpu-gateway',
    ]);
    for (const c of facts.charts) {
      expect(c.paths + c.lines + c.rects, c.id).toBeGreaterThan(0);
      expect(c.width, c.id).toBeGreaterThan(100);
      expect(c.height, c.id).toBeGreaterThan(100);
      expect(c.clipped, c.id).toEqual([]);
    }
  });

  it('the sequence diagram has two lifelines, an arrow per message and the labels in time order', () => {
    const seq = facts.charts.find((c) => c.kind === 'sequence')!;
    const messages = tlsRunFixture().messages;
    expect(seq.rects).toBe(2); // participant boxes
    expect(seq.paths).toBe(messages.length + messages.filter((m) => m.from === m.to).length); // arrowheads, plus the loop of a self-message
    expect(facts.sequenceLabels.slice(0, 3)).toEqual(['ClientHello', 'x25519 + derive handshake keys', 'ServerHello']);
    expect(facts.sequenceLabels).toContain('[Alert] close_notify');
  });

  it('memory charts draw the step line, its area and the limit line', () => {
    for (const c of facts.charts.filter((x) => x.kind === 'memory')) {
      expect(c.paths, c.id).toBe(2);
      expect(c.circles, c.id).toBe(1); // the peak
      expect(c.lines, c.id).toBeGreaterThanOrEqual(5);
    }
  });

  it('fragmentation charts draw free bytes, the largest free block and fragmentation, with the worst point and a legend', () => {
    const fx = tlsRunFixture().memoryDiagnostics![0]!;
    for (const c of facts.charts.filter((x) => x.kind === 'fragmentation')) {
      expect(c.paths, c.id).toBe(3);
      expect(c.circles, c.id).toBe(1);
      expect(c.lines, c.id).toBeGreaterThanOrEqual(3 + 3); // axes + legend swatches
    }
    expect(facts.bodyText).toContain('largest free block (min 1 KiB)');
    expect(facts.bodyText).toContain('fragmentation (max 0.87)');
    expect(facts.stackRows).toBe(fx.stack.threads.length);
    expect(facts.bucketRows).toBe(fx.buckets.length);
    expect(facts.fragRows).toBe(fx.pools.length);
    expect(facts.adviceRows).toBe(1);
    expect(facts.bodyText).toMatch(/lsass\.exe \(pid 1\)\s+[\d.,\s]+KiB\s+13\.9%\s+rsa2048\.private\s+AcceptSecurityContext/);
    expect(facts.bodyText).toMatch(/856×3, 4\s?104×1/);
  });

  it('CPU charts draw one bar per primitive', () => {
    const fx = tlsRunFixture();
    for (const c of fx.cpu) {
      expect(facts.charts.find((x) => x.id === `chart-cpu-${c.device}`)!.rects).toBe(c.primitives.length);
    }
  });

  it('shows the tables and escaped text as text', () => {
    expect(facts.assertionRows).toBe(4);
    expect(facts.failedRows).toBe(2);
    expect(facts.bodyText).toContain('<script>alert("x")</script>');
    expect(facts.bodyText).toContain('schannel.context#1.recordIn<&>');
    expect(facts.bodyText).toContain('double-free');
  });

  it('fits a 1280 px window without horizontal scrolling', () => {
    expect(facts.scrollWidth).toBeLessThanOrEqual(facts.clientWidth);
  });

  it('takes a full-page PNG screenshot', () => {
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(1280); // IHDR width
    expect(png.readUInt32BE(20)).toBeGreaterThan(1500); // the whole page, not one viewport
  });
});
