/**
 * The HTML sweep report in a real browser: Debian's chromium driven by puppeteer-core (no downloaded browser).
 * The page loads with no console error or failed request, shows the expected counts, and reads the same with
 * JavaScript disabled. CI installs chromium (.ci/run); elsewhere the test is skipped, saying why, when it is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cli, repoWithKey, tempDir } from '../sweep/helpers.js';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const skip = CHROMIUM ? false : process.env['CI'] ? false : 'chromium is not installed (apt-get install chromium; .ci/run installs it in CI)';

test('report: the HTML renders in chromium with no console errors, with and without JavaScript', { skip, timeout: 120_000 }, async () => {
  assert.ok(CHROMIUM, 'CI must have chromium: .ci/run installs it');
  const a = repoWithKey(3, 1, 61);
  const b = repoWithKey(2, 0, 62);
  const dir = tempDir();
  assert.equal((await cli(['sweep', a.repo.dir, b.repo.dir, '--db', 's.db', '--no-progress'], dir)).code, 1);
  assert.equal((await cli(['report', '--db', 's.db', '-f', 'html', '-o', 'report.html'], dir)).code, 0);
  const url = pathToFileURL(path.join(dir, 'report.html')).href;
  const puppeteer = (await import('puppeteer-core')).default;
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM!, headless: true,
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-gpu', '--disable-dev-shm-usage'],
  });
  try {
    for (const js of [true, false]) {
      const page = await browser.newPage();
      await page.setJavaScriptEnabled(js);
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(String(e)));
      page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`));
      page.on('request', (r) => { if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`); });
      const res = await page.goto(url, { waitUntil: 'load' });
      assert.ok(res === null || res.ok(), 'the page loads');
      const text = (sel: string): Promise<string> => page.$eval(sel, (e) => (e.textContent ?? '').trim());
      assert.equal(await text('#findings-total'), '2');
      assert.equal(await text('#findings-present'), '2');
      assert.equal(await text('#repos-swept'), '2');
      assert.equal(await text('#repos-failed'), '0');
      assert.equal(await page.$$eval('#findings-table tbody tr', (rows) => rows.length), 2);
      const bars = await page.$$eval('svg rect.bar', (r) => r.length);
      assert.ok(bars >= 1, 'the month chart has bars');
      const box = await page.$eval('svg', (e) => { const r = e.getBoundingClientRect(); return [r.width, r.height]; });
      assert.ok(box[0]! > 0 && box[1]! > 0, 'the chart is visible');
      assert.deepEqual(problems, [], `JavaScript ${js ? 'on' : 'off'}: no console errors`);
      await page.close();
    }
  } finally {
    await browser.close();
  }
});
