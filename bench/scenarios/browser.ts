/**
 * Scenario 5, browser: a keystroke in one Chromium context until the text is
 * in the other context's editor (its ProseMirror state and DOM, which change
 * together in one dispatch). Both pages run Tandem's built editor with the
 * stock y-websocket provider. For the y-websocket reference the pages are
 * still served by a Tandem relay, but an init script points their WebSocket
 * at the reference server. Hocuspocus needs its own provider and framing, so
 * the stock editor cannot talk to it: n/a.
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser, type Page } from '@playwright/test'
import { startServer, type ServerUnderTest } from '../servers.js'
import { fixed, latencySummary, ratio, table, type Section } from '../report.js'
import type { Settings } from '../settings.js'
import type { Target } from '../wire.js'

const CHROMIUM = process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined)

async function openEditor(browser: Browser, pageUrl: string, refPort: number | null): Promise<Page> {
  const context = await browser.newContext()
  // A returning user: the first visit would ask for a name in a dialog over the editor.
  await context.addInitScript(() => localStorage.setItem('tandem.user', JSON.stringify({ name: 'Bench', color: '#e5484d' })))
  if (refPort !== null) {
    // Rewrite ws://host/ws/<doc> to the reference server's ws://127.0.0.1:<port>/<doc>.
    await context.addInitScript(
      `{ const Native = window.WebSocket;
         window.WebSocket = class extends Native {
           constructor(url, protocols) {
             const target = String(url).replace(/^ws:\\/\\/[^/]+\\/ws\\//, 'ws://127.0.0.1:${refPort}/')
             super(target, protocols)
             window.benchSocketUrls = (window.benchSocketUrls || []).concat(target)
           }
         } }`,
    )
  }
  const page = await context.newPage()
  await page.goto(pageUrl)
  await page.waitForFunction(() => (window as any).tandem?.provider.synced === true)
  // The provider's socket is Tandem's fallback class, which keeps the URL it was given: ask the rewriting class instead.
  const urls = (await page.evaluate('window.benchSocketUrls || []')) as string[]
  if (refPort !== null && !urls.some((url) => url.includes(`:${refPort}/`))) throw new Error(`the page did not connect to the reference server (${urls.join(', ')})`)
  return page
}

async function measure(browser: Browser, target: Target, keystrokes: number): Promise<Float64Array> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-'))
  const servers: ServerUnderTest[] = []
  try {
    const host = await startServer('tandem', { dataDir })
    servers.push(host)
    let refPort: number | null = null
    if (target !== 'tandem') {
      const ref = await startServer(target)
      servers.push(ref)
      refPort = ref.port
    }
    const url = `http://127.0.0.1:${host.port}/d/bench-${Date.now().toString(36)}`
    const writer = await openEditor(browser, url, refPort)
    const reader = await openEditor(browser, url, refPort)
    await writer.evaluate(`window.keyTimes = []; window.addEventListener('keydown', (e) => window.keyTimes.push(performance.timeOrigin + e.timeStamp), true)`)
    await writer.locator('.ProseMirror').click()
    const latencies: number[] = []
    for (let i = 0; i < keystrokes + 10; i++) {
      // Resolves with the time the reader's editor first holds i + 1 characters.
      // Browser-side code as text: tsx would decorate a function's inner helpers with names the page lacks.
      const seen = reader.evaluate(`new Promise((resolve) => {
        const view = window.tandem.view
        if (view.state.doc.textContent.length >= ${i + 1}) return resolve(performance.timeOrigin + performance.now())
        const observer = new MutationObserver(() => {
          if (view.state.doc.textContent.length < ${i + 1}) return
          observer.disconnect()
          resolve(performance.timeOrigin + performance.now())
        })
        observer.observe(view.dom, { childList: true, subtree: true, characterData: true })
      })`) as Promise<number>
      await writer.keyboard.press('a')
      const seenAt = await seen
      const typedAt = (await writer.evaluate(`window.keyTimes[${i}]`)) as number
      // The first keystrokes warm up both browsers and the server.
      if (i >= 10) latencies.push(seenAt - typedAt)
      await new Promise((r) => setTimeout(r, 20 + Math.random() * 40))
    }
    await writer.context().close()
    await reader.context().close()
    return Float64Array.from(latencies)
  } finally {
    for (const s of servers) await s.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

export async function browserScenario(settings: Settings): Promise<Section> {
  if (!existsSync('dist/client/index.html')) throw new Error('scenario 5 needs the built editor: run "npm run build" first')
  const browser = await chromium.launch({
    headless: true,
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  })
  const rows: Array<{ target: Target; p50: number; p99: number; max: number; n: number }> = []
  try {
    for (const target of settings.targets) {
      if (target === 'hocuspocus') continue
      process.stderr.write(`scenario 5: ${target}\n`)
      const latencies = await measure(browser, target, settings.browserKeystrokes)
      rows.push({ target, ...latencySummary(latencies), n: latencies.length })
    }
  } finally {
    await browser.close()
  }
  const tandem = rows.find((r) => r.target === 'tandem')
  const yws = rows.find((r) => r.target === 'y-websocket')
  return {
    title: '5. Browser keystroke to remote screen',
    body:
      `Two Chromium contexts (headless, Debian Chromium) on one document; the writer presses a key every 20–60 ms, ${settings.browserKeystrokes} keystrokes measured after 10 unmeasured; latency from the writer's keydown event to the reader's editor holding the character (MutationObserver on the editor). ` +
      `Hocuspocus: n/a (the stock y-websocket provider cannot speak its framing).\n\n` +
      table(['server', 'p50 ms', 'p99 ms', 'max ms', 'keystrokes', 'p50 vs y-websocket'], rows.map((r) => [r.target, fixed(r.p50), fixed(r.p99), fixed(r.max), r.n, yws ? ratio(r.p50, yws.p50) : 'n/a'])),
    goals: tandem ? [{ scenario: 5, goal: 'p50 ≤ 30 ms', met: tandem.p50 <= 30, measured: `p50 ${fixed(tandem.p50)} ms, p99 ${fixed(tandem.p99)} ms` }] : [],
  }
}
