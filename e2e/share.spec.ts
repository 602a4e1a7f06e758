/**
 * Share links in the browser, against a relay started with AUTH_SECRET: a
 * view-only link shows a read-only editor that still updates live, and an
 * editor's Share dialog mints view-only and edit links that work.
 */
import { test as base, expect, userContext, docText } from './fixtures.js'
import type { BrowserContext, Page } from '@playwright/test'
import { removeDir, startChildRelay, tempDir, type ChildRelay } from '../test/helpers/relay.js'
import { mintToken } from '../server/auth.js'

const SECRET = 'e2e-secret-e2e-secret-e2e-secret-0123'

const test = base.extend<{ locked: { url: string } }>({
  locked: async ({}, use) => {
    const dir = tempDir('tandem-e2e-auth-')
    const child: ChildRelay = await startChildRelay(dir, ['--auth-secret', SECRET])
    await use({ url: `http://127.0.0.1:${child.port}` })
    child.process.kill('SIGTERM')
    await child.exited
    removeDir(dir)
  },
})

/** Opens `url` (a share link) and waits until the editor has synced. */
async function openLink(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(url)
  await expect(page.locator('#status')).toHaveAttribute('data-status', 'connected')
  await page.waitForFunction(() => (window as any).tandem?.provider.synced === true)
  return page
}

test('a view-only link shows a read-only editor that still updates live', async ({ browser, locked, docName }) => {
  const edit = `${locked.url}/d/${docName}?token=${await mintToken(SECRET, { doc: docName, role: 'editor', ttlSeconds: 600 })}`
  const view = `${locked.url}/d/${docName}?token=${await mintToken(SECRET, { doc: docName, role: 'viewer', ttlSeconds: 600 })}`
  const ada = await userContext(browser, 'Ada')
  const vic = await userContext(browser, 'Vic')
  const editor = await openLink(ada, edit)
  const viewer = await openLink(vic, view)

  await expect(viewer.locator('#access-banner')).toContainText('View only')
  await expect(viewer.locator('.ProseMirror')).toHaveAttribute('contenteditable', 'false')
  await expect(viewer.locator('#share-button')).toHaveCount(0)

  await editor.locator('.ProseMirror').click()
  await editor.keyboard.type('Live for everyone.')
  await expect.poll(() => docText(viewer)).toBe('Live for everyone.')

  // Typing into the viewer does nothing, and even a forced Yjs edit never reaches the editor.
  await viewer.locator('.ProseMirror').click()
  await viewer.keyboard.type('sneaky')
  await viewer.evaluate(() => (window as any).tandem.ydoc.getText('forced').insert(0, 'sneaky'))
  await editor.keyboard.type(' More.')
  await expect.poll(() => docText(viewer)).toBe('Live for everyone. More.')
  expect(await docText(editor)).toBe('Live for everyone. More.')
  const late = await openLink(ada, edit)
  expect(await docText(late)).toBe('Live for everyone. More.')
  expect(await late.evaluate(() => (window as any).tandem.ydoc.getText('forced').toString())).toBe('')
  await ada.close()
  await vic.close()
})

test("an editor's Share dialog creates a view-only link and an edit link that work", async ({ browser, locked, docName }) => {
  const edit = `${locked.url}/d/${docName}?token=${await mintToken(SECRET, { doc: docName, role: 'editor', ttlSeconds: 600 })}`
  const ada = await userContext(browser, 'Ada')
  const owner = await openLink(ada, edit)
  await owner.locator('.ProseMirror').click()
  await owner.keyboard.type('Shared text.')

  await owner.locator('#share-button').click()
  await owner.locator('#share-dialog button[data-role="viewer"]').click()
  // The relay mints the link: wait for it to arrive before reading it.
  await expect(owner.locator('#share-link')).toHaveValue(new RegExp(`/d/${docName}\\?token=`))
  const viewLink = await owner.locator('#share-link').inputValue()
  await owner.locator('#share-dialog button[data-role="editor"]').click()
  await expect(owner.locator('#share-link')).not.toHaveValue(viewLink)
  await expect(owner.locator('#share-link')).toHaveValue(new RegExp(`/d/${docName}\\?token=`))
  const editLink = await owner.locator('#share-link').inputValue()
  await owner.locator('#share-dialog button[type="submit"]').click()

  const vic = await userContext(browser, 'Vic')
  const viewer = await openLink(vic, viewLink)
  await expect(viewer.locator('.ProseMirror')).toHaveAttribute('contenteditable', 'false')
  await expect.poll(() => docText(viewer)).toBe('Shared text.')

  const bob = await userContext(browser, 'Bob')
  const coEditor = await openLink(bob, editLink)
  await expect(coEditor.locator('#access-banner')).toHaveCount(0)
  await coEditor.locator('.ProseMirror').click()
  await coEditor.keyboard.press('End')
  await coEditor.keyboard.type(' Bob was here.')
  await expect.poll(() => docText(owner)).toBe('Shared text. Bob was here.')
  await expect.poll(() => docText(viewer)).toBe('Shared text. Bob was here.')
  for (const context of [ada, vic, bob]) await context.close()
})

test('without a token, a relay with AUTH_SECRET lets nothing load', async ({ browser, locked, docName }) => {
  const context = await userContext(browser, 'Eve')
  const page = await context.newPage()
  await page.goto(`${locked.url}/d/${docName}`)
  // The page loads (it is static), but its socket is refused at the upgrade.
  await page.waitForFunction(() => (window as any).tandem?.provider.wsUnsuccessfulReconnects > 0)
  await expect(page.locator('#status')).not.toHaveAttribute('data-status', 'connected')
  expect(await page.evaluate(() => (window as any).tandem.provider.synced)).toBe(false)
  await context.close()
})

test('with a token for every document, the list loads and its links open documents', async ({ browser, locked, docName }) => {
  const all = await mintToken(SECRET, { doc: '*', role: 'editor', ttlSeconds: 600 })
  const ada = await userContext(browser, 'Ada')
  const editor = await openLink(ada, `${locked.url}/d/${docName}?token=${all}`)
  await editor.locator('.ProseMirror').click()
  await editor.keyboard.type('Listed under a token')
  await expect(editor.locator('#save-status')).toHaveAttribute('data-save', 'saved')
  const list = await ada.newPage()
  await list.goto(`${locked.url}/?token=${all}`)
  await list.locator(`tr[data-doc="${docName}"] a`).click()
  await expect(list.locator('#status')).toHaveAttribute('data-status', 'connected')
  await expect.poll(() => docText(list)).toBe('Listed under a token')
  // Without the token the list says why it cannot load.
  await list.goto(`${locked.url}/`)
  await expect(list.locator('.list-page .error')).toContainText('401')
})
