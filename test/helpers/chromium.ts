// Chromium for the explorer's browser tests: where it is, how it is started, and a page that
// records console errors, failed requests and any request leaving 127.0.0.1.
import type { Browser, Page } from 'playwright-core'
import { join } from 'node:path'

export const CHROMIUM = '/usr/bin/chromium'
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
/** Screenshots of the test runs (gitignored). */
export const ARTIFACTS = join(import.meta.dirname ?? 'test/helpers', '..', '.artifacts')

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core')
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
}

/** `deviceScaleFactor` below 1 draws the page straight at a smaller size (the README's screenshots). */
export async function openPage(browser: Browser, url: string, viewport = { width: 1440, height: 1000 }, deviceScaleFactor = 1): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport, deviceScaleFactor })
  const errors: string[] = []
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`) })
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  // Aborted requests are the page's own doing (a layout worker replaced while it loads), not failures.
  page.on('requestfailed', (r) => { if (r.failure()?.errorText !== 'net::ERR_ABORTED') errors.push(`request failed: ${r.url()} (${r.failure()?.errorText})`) })
  page.on('request', (r) => { if (!/^(http:\/\/127\.0\.0\.1|ws:\/\/127\.0\.0\.1|file:|data:|blob:)/.test(r.url())) errors.push(`remote request: ${r.url()}`) })
  await page.goto(url)
  return { page, errors }
}
