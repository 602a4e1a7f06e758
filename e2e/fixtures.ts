/**
 * Playwright fixtures: each test gets its own relay (a child process on a
 * free port, with its own SQLite folder) and a fresh document name.
 */
import { test as base, expect, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from '@playwright/test'
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

/** A new browser context whose user is called `name` (`options` as Playwright's newContext takes them). */
export async function userContext(browser: Browser, name: string, color = '#0090ff', options: BrowserContextOptions = {}): Promise<BrowserContext> {
  const context = await browser.newContext(options)
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

/** Resolves once the page says all its changes are saved on the relay. */
export async function expectSaved(page: Page): Promise<void> {
  await expect(page.locator('#save-status')).toHaveAttribute('data-save', 'saved')
}

/** The updates y-indexeddb holds for `docName` in this page's browser context. */
export function storedOffline(page: Page, docName: string): Promise<number[][]> {
  return page.evaluate(
    (name) =>
      new Promise<number[][]>((resolve, reject) => {
        const open = indexedDB.open(`tandem:${name}`)
        open.onerror = () => reject(open.error)
        open.onsuccess = () => {
          const db = open.result
          if (!db.objectStoreNames.contains('updates')) return resolve([])
          const all = db.transaction('updates').objectStore('updates').getAll()
          all.onsuccess = () => resolve((all.result as Uint8Array[]).map((u) => Array.from(u)))
          all.onerror = () => reject(all.error)
        }
      }),
    docName,
  )
}
