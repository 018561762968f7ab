// The wall dashboard's spreadsheet badge as a browser shows it: opens URL/app/dashboard.html in
// Debian's Chromium (playwright-core), waits for the page's first /api/health poll, and prints
// {"visible": bool, "text": "..."} on stdout. Used by tests/sheets/test_sheets_dashboard.py.
// Usage: node sheet_badge.mjs http://127.0.0.1:PORT
const CHROMIUM = process.env.ZEUES_CHROMIUM || '/usr/bin/chromium';
const base = process.argv[2];
const { chromium } = await import('playwright-core');
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  timeout: 30000,
});
try {
  const page = await browser.newPage({ locale: 'es-CL', timezoneId: 'America/Santiago' });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const health = page.waitForResponse((r) => r.url().endsWith('/api/health'), { timeout: 15000 });
  await page.goto(base + '/app/dashboard.html');
  await health;
  await page.waitForTimeout(300); // the badge is set right after the answer is read
  const badge = page.locator('[data-testid="sheet-badge"]');
  const out = { visible: await badge.isVisible(), text: (await badge.textContent()) || '', errors };
  console.log(JSON.stringify(out));
} finally {
  await browser.close();
}
