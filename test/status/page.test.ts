/**
 * The live status page in a real browser (Debian's chromium, driven by playwright-core): the page
 * loads, shows every worker, its charts move under load, TTIN shows a new worker row, a blocked
 * worker's stack appears, secrets stay masked; on a bind that is not loopback it asks for the token.
 * TUNICORN_SCREENSHOTS=1 writes the README's screenshots to docs/ (else to a temporary directory).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { fileTimeout, ROOT, runCli, sleep, startServer, Tunicorn } from '../helpers/cli.js';
import { load } from '../helpers/load.js';
import { get, statusUrl } from '../helpers/status.js';

fileTimeout(90);

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const TMP = mkdtempSync(join(tmpdir(), 'tunicorn-page-'));
const SHOTS = process.env.TUNICORN_SCREENSHOTS ? join(ROOT, 'docs') : TMP;
const TOKEN = 'b2f1c0ffee4e7a9d1234abcd5678ef90';

/** Poll `ok` every 100 ms until it holds or `ms` passes. */
async function until(what: string, ok: () => Promise<boolean>, ms: number): Promise<void> {
  for (const deadline = Date.now() + ms; ; await sleep(100)) {
    if (await ok()) return;
    if (Date.now() > deadline) throw new Error(`${what} not seen within ${ms} ms`);
  }
}

const rowPids = (page: Page) => page.$$eval('#workers tbody tr', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.pid)));

describe('status page', () => {
  let browser: Browser;
  before(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  });
  after(async () => {
    await browser?.close();
    rmSync(TMP, { recursive: true, force: true });
  });

  test("workers, live charts under load, a TTIN row, the blocked worker's stack, masked secrets", async () => {
    const { t, url } = await startServer(['--status-bind', '127.0.0.1:0', '--timeout', '2', '-e', 'API_KEY=s3cret-value', 'status-page.mjs'], { workers: 2 });
    const status = await statusUrl(t);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on('console', (m) => void (m.type() === 'error' && problems.push(m.text())));
    page.on('pageerror', (e) => problems.push(e.message));

    await page.goto(`${status}/`);
    await page.waitForSelector('#live.on');
    await until("both workers' rows", async () => (await rowPids(page)).length === 2, 5000);
    assert.deepEqual((await rowPids(page)).sort(), t.workerPids().sort());
    assert.equal(await page.locator('#app').textContent(), 'status-page.mjs');

    // TTIN: a third worker's row (the page ticks each second; a busy machine forks slowly).
    const pids = await rowPids(page);
    const ttinAt = Date.now();
    t.signal('SIGTTIN');
    await until('a new worker row after TTIN', async () => (await rowPids(page)).some((p) => !pids.includes(p)), 10_000);
    console.log(`status page: the TTIN worker's row showed ${Date.now() - ttinAt} ms after the signal`);

    // A worker blocked for good: the master dumps its stack, kills it, and the page shows both.
    fetch(`${url}/stuck`).catch(() => {});
    await page.waitForSelector('#blocked:not([hidden])', { timeout: 15_000 });
    assert.match((await page.locator('#blocked-stack').textContent()) ?? '', /spinForever/);
    assert.match((await page.locator('#blocked-what').textContent()) ?? '', /running GET \/stuck/);
    await until('the timeout restart', async () => /timeout/.test((await page.locator('#restarts tbody').textContent()) ?? ''), 5000);

    // Secrets: raw_env values never reach the page.
    await page.locator('details summary').click();
    assert.match((await page.locator('#config').textContent()) ?? '', /API_KEY=•••/);
    assert.doesNotMatch(await page.content(), /s3cret-value/);
    await page.locator('details summary').click();

    // Bounded load; the charts' points move and the request rate is no longer zero.
    const before = await page.evaluate(() => (window as unknown as { tunicornStatus: { points: number } }).tunicornStatus.points);
    const loading = load(url, { seconds: 5, connections: 8, requests: [{ path: '/' }, { path: '/' }, { path: '/' }, { path: '/' }, { path: '/fail' }] });
    await page.waitForFunction(
      () => {
        const s = (window as unknown as { tunicornStatus: { rps: number[]; p99: Array<number | null> } }).tunicornStatus;
        return s.rps.slice(-2).every((v) => v > 0) && s.p99.some((v) => v !== null && v > 0);
      },
      undefined,
      { timeout: 10_000 },
    );
    const after = await page.evaluate(() => (window as unknown as { tunicornStatus: { points: number } }).tunicornStatus.points);
    assert.ok(after > before, `chart points ${before} -> ${after}`);
    assert.notEqual(await page.locator('#now-rps').textContent(), '–');
    const requests = await page.$$eval('#workers tbody tr td:nth-child(5)', (cells) => cells.map((c) => c.textContent));
    assert.ok(
      requests.some((r) => r !== '0'),
      `requests per worker: ${requests}`,
    );

    // While the load runs (a few seconds of it on the charts): the README's pictures, wide and phone-sized.
    await page.waitForFunction(() => (window as unknown as { tunicornStatus: { rps: number[] } }).tunicornStatus.rps.slice(-3).every((v) => v > 0), undefined, { timeout: 10_000 });
    await page.screenshot({ path: join(SHOTS, 'status-page.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await sleep(300);
    await page.screenshot({ path: join(SHOTS, 'status-page-phone.png'), fullPage: true, clip: { x: 0, y: 0, width: 390, height: 1600 } });
    assert.ok((await loading).requests > 0);
    assert.deepEqual(problems, [], 'no errors in the browser console (CSP, scripts)');
    await page.close();
    assert.equal((await t.stop()).code, 0);
  });

  test('a bind that is not loopback needs the token: refused without one, asked for, accepted with it', async () => {
    const refused = await runCli(['-b', '127.0.0.1:0', '--status-bind', '0.0.0.0:0', 'status-page.mjs']);
    assert.equal(refused.code, 1);
    assert.match(refused.output, /status_bind 0\.0\.0\.0:0 is not loopback, so its status page needs a token: set status_token_file \(or status_token\), or pass --no-status-page/);

    const file = join(TMP, 'token');
    writeFileSync(file, `${TOKEN}\n`);
    const t = new Tunicorn(['-b', '127.0.0.1:0', '-w', '1', '--status-bind', '0.0.0.0:0', '--status-token-file', file, 'status-page.mjs']);
    const status = (await statusUrl(t)).replace('0.0.0.0', '127.0.0.1');
    await until('readiness', async () => (await get(`${status}/readyz`)).status === 200, 10_000);
    // Probes and Prometheus need no token.
    assert.equal((await get(`${status}/healthz`)).status, 200);
    assert.equal((await get(`${status}/metrics`)).status, 200);
    const denied = await get(`${status}/`);
    assert.equal(denied.status, 401);
    assert.match(denied.body, /needs its token/);
    assert.equal((await get(`${status}/events`)).status, 401);
    const bearer = await fetch(`${status}/events`, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(bearer.status, 200);
    assert.equal(bearer.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    await bearer.body?.cancel();

    const page = await browser.newPage();
    assert.equal((await page.goto(`${status}/?token=not-the-right-token`))!.status(), 401);
    assert.equal(await page.locator('.error').textContent(), "That token is not this server's: try again.");
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForSelector('#workers tbody tr');
    assert.equal(new URL(page.url()).search, '', 'the token left the address bar');
    assert.equal((await page.goto(`${status}/`))!.status(), 200, 'the cookie keeps it open');
    await page.close();
    assert.equal((await t.stop()).code, 0);

    // Without the page, nothing to protect: probes and metrics only.
    const bare = new Tunicorn(['-b', '127.0.0.1:0', '-w', '1', '--status-bind', '0.0.0.0:0', '--no-status-page', 'status-page.mjs']);
    const bareStatus = (await statusUrl(bare)).replace('0.0.0.0', '127.0.0.1');
    assert.equal((await get(`${bareStatus}/`)).status, 404);
    assert.equal((await get(`${bareStatus}/metrics`)).status, 200);
    assert.equal((await bare.stop()).code, 0);
  });
});
