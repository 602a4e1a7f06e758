/**
 * Playwright fixtures: each test gets its own relay (a child process on a
 * free port, with its own SQLite folder) and a fresh document name.
 */
import { test as base, expect, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { removeDir, startChildRelay, tempDir, type ChildRelay } from '../test/helpers/relay.js'

export interface RelayHandle {
  /** http://127.0.0.1:PORT */
  readonly url: string
  /** Stops the relay (SIGTERM, or SIGKILL when `kill`) and starts it again on the same port and data. */
  restart(options?: { kill?: boolean }): Promise<void>
  /** Stops the relay; pages see their sockets drop. */
  stop(options?: { kill?: boolean }): Promise<void>
  /** Starts the stopped relay again on the same port. */
  start(): Promise<void>
}

export const test = base.extend<{ relay: RelayHandle; docName: string }>({
  relay: async ({}, use) => {
    const dir = tempDir('tandem-e2e-')
    let child: ChildRelay | null = await startChildRelay(dir)
    const port = child.port
    const stop = async ({ kill = false } = {}) => {
      if (!child) return
      child.process.kill(kill ? 'SIGKILL' : 'SIGTERM')
      await child.exited
      child = null
    }
    const start = async () => {
      child = await startChildRelay(dir, ['--port', String(port)])
    }
    await use({
      url: `http://127.0.0.1:${port}`,
      stop,
      start,
      restart: async (options) => {
        await stop(options)
        await start()
      },
    })
    await stop()
    removeDir(dir)
  },
  docName: async ({}, use, testInfo) => {
    await use(`e2e-${testInfo.testId}-${Date.now().toString(36)}`)
  },
})

export { expect }

/** A new browser context whose user is called `name`. */
export async function userContext(browser: Browser, name: string, color = '#0090ff'): Promise<BrowserContext> {
  const context = await browser.newContext()
  await context.addInitScript(
    ([n, c]) => localStorage.setItem('tandem.user', JSON.stringify({ name: n, color: c })),
    [name, color] as const,
  )
  return context
}

/** Opens the editor on `docName` and waits until it has synced with the relay. */
export async function openDoc(context: BrowserContext, relay: RelayHandle, docName: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(`${relay.url}/d/${docName}`)
  await expect(page.locator('#status')).toHaveAttribute('data-status', 'connected')
  await page.waitForFunction(() => (window as any).tandem?.provider.synced === true)
  return page
}

/** The document's text, read from the editor state (not innerText: cursor labels live in the DOM). */
export function docText(page: Page): Promise<string> {
  return page.evaluate(() => (window as any).tandem.view.state.doc.textContent as string)
}

/** The document as ProseMirror JSON. */
export function docJSON(page: Page): Promise<unknown> {
  return page.evaluate(() => (window as any).tandem.view.state.doc.toJSON())
}
