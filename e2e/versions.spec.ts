/**
 * History, restore and export in the browser, with peers in separate browser
 * contexts that meet only through the relay.
 */
import { readFileSync } from 'node:fs'
import { test, expect, userContext, openDoc, docText, expectSaved } from './fixtures.js'

const mod = process.platform === 'darwin' ? 'Meta' : 'Control'

test('a peer restores a named version from History and both end with it; export downloads Markdown', async ({ browser, relay, docName }) => {
  const ada = await openDoc(await userContext(browser, 'Ada'), relay, docName)
  const bob = await openDoc(await userContext(browser, 'Bob', '#e5484d'), relay, docName)

  await ada.locator('#title').fill('Plan')
  await ada.locator('.ProseMirror').click()
  await ada.keyboard.type('First draft')
  await expectSaved(ada)
  await expect.poll(() => docText(bob)).toBe('First draft')

  // Bob names this moment.
  await bob.locator('.file-menu summary').click()
  await bob.locator('#name-version').click()
  await bob.locator('dialog.prompt input').fill('Draft')
  await bob.locator('dialog.prompt button.primary').click()
  await expect(bob.locator('.file-status')).toHaveText('Saved version “Draft”')

  // Ada rewrites everything.
  await ada.locator('.ProseMirror').click()
  await ada.keyboard.press(`${mod}+a`)
  await ada.keyboard.type('Rewritten by Ada')
  await expectSaved(ada)
  await expect.poll(() => docText(bob)).toBe('Rewritten by Ada')

  // Bob opens History, previews the named version and restores it.
  await bob.locator('.file-menu summary').click()
  await bob.locator('#open-history').click()
  const named = bob.locator('.version-list button', { hasText: 'Draft' })
  // Credited to the person who wrote it, not the one who named it.
  await expect(named).toContainText('Ada')
  await named.click()
  await expect.poll(() => bob.evaluate(() => (window as any).tandem.history.preview?.state.doc.textContent)).toBe('First draft')
  await bob.locator('#restore-version').click()
  await expect.poll(() => docText(bob)).toBe('First draft')
  await expect.poll(() => docText(ada)).toBe('First draft')
  await expect(bob.locator('.version-list button').first()).toContainText('Restored Draft')

  // Ada downloads the document as Markdown, named after its title.
  await ada.locator('.file-menu summary').click()
  const [download] = await Promise.all([ada.waitForEvent('download'), ada.locator('#export-md').click()])
  expect(download.suggestedFilename()).toBe('Plan.md')
  expect(readFileSync((await download.path())!, 'utf8')).toBe('First draft\n')
})

test('importing a Markdown file from the document list opens it as a new document', async ({ browser, relay }) => {
  const page = await (await userContext(browser, 'Ada')).newPage()
  await page.goto(relay.url)
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.locator('#import-doc').click()])
  await chooser.setFiles({ name: 'notes.md', mimeType: 'text/markdown', buffer: Buffer.from('# Notes\n\nHello **there**\n') })
  await page.waitForURL((url) => url.pathname.startsWith('/d/'))
  await page.waitForFunction(() => (window as any).tandem?.provider.synced === true)
  await expect.poll(() => page.evaluate(() => (window as any).tandem.view.state.doc.toJSON())).toEqual({
    type: 'doc',
    content: [
      { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: 'Notes' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'Hello ' }, { type: 'text', marks: [{ type: 'bold' }], text: 'there' }] },
    ],
  })
  await expect(page.locator('#title')).toHaveValue('Notes')
})
