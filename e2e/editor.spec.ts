/**
 * The everyday editor, with peers in separate browser contexts (so they can
 * only meet through the relay).
 */
import * as Y from 'yjs'
import { test, expect, userContext, openDoc, docText, docJSON, expectSaved, storedOffline } from './fixtures.js'

const mod = process.platform === 'darwin' ? 'Meta' : 'Control'

test('formatting, headings and lists round-trip to the other peer', async ({ browser, relay, docName }) => {
  const a = await openDoc(await userContext(browser, 'Ada'), relay, docName)
  const b = await openDoc(await userContext(browser, 'Bob'), relay, docName)
  await a.locator('.ProseMirror').click()
  await a.keyboard.type('# Plan\n')
  await a.keyboard.type('Ship ')
  await a.keyboard.press(`${mod}+b`)
  await a.keyboard.type('bold')
  await a.keyboard.press(`${mod}+b`)
  await a.keyboard.type(' and ')
  await a.locator('.toolbar button[data-command="italic"]').click()
  await a.keyboard.type('italic')
  await expect(a.locator('.toolbar button[data-command="italic"]')).toHaveAttribute('aria-pressed', 'true')
  await a.locator('.toolbar button[data-command="italic"]').click()
  await a.keyboard.type('\n* one\ntwo\n\n1. first\n\n[ ] task\n')
  await expect.poll(() => docJSON(b)).toEqual(await docJSON(a))
  const json = JSON.stringify(await docJSON(b))
  for (const type of ['"heading"', '"bold"', '"italic"', '"bullet_list"', '"ordered_list"', '"task_list"']) expect(json).toContain(type)
  await expect(b.locator('.ProseMirror h1')).toHaveText('Plan')
  await expect(b.locator('.ProseMirror ul:not([data-type="tasks"]) > li')).toHaveCount(2)
  // Ticking a checkbox on one side ticks it on the other.
  await b.locator('.ProseMirror .task-item input[type=checkbox]').first().click()
  await expect(a.locator('.ProseMirror .task-item').first()).toHaveAttribute('data-checked', 'true')
  await expect(a.locator('.ProseMirror .task-item input[type=checkbox]').first()).toBeChecked()
  await expect(b.locator('.ProseMirror .task-item input[type=checkbox]').first()).toBeChecked()
})

test('pasted HTML keeps what the schema knows and drops the rest', async ({ browser, relay, docName }) => {
  const a = await openDoc(await userContext(browser, 'Ada'), relay, docName)
  await a.evaluate(() =>
    (window as any).tandem.view.pasteHTML(
      '<b style="font-weight:normal" id="docs-internal-guid-1"><h2>From Docs</h2><p><span style="font-weight:700">strong</span> <u>under</u> <a href="javascript:alert(1)">bad link</a> <a href="https://ok.example">good link</a></p><script>alert(1)</script><table><tr><td>cell</td></tr></table></b>',
    ),
  )
  const json = JSON.stringify(await docJSON(a))
  expect(json).toContain('"heading"')
  expect(json).toContain('"bold"')
  expect(json).toContain('"underline"')
  expect(json).toContain('https://ok.example')
  expect(json).not.toContain('javascript:')
  expect(await docText(a)).toContain('cell')
})

test('undo reverts only my own typing, never the other person\'s', async ({ browser, relay, docName }) => {
  const a = await openDoc(await userContext(browser, 'Ada'), relay, docName)
  const b = await openDoc(await userContext(browser, 'Bob'), relay, docName)
  await a.locator('.ProseMirror').click()
  await a.keyboard.type('Ada wrote this.')
  await expect.poll(() => docText(b)).toBe('Ada wrote this.')
  await b.locator('.ProseMirror').click()
  await b.keyboard.press('End')
  await b.keyboard.type(' Bob added this.')
  await expect.poll(() => docText(a)).toBe('Ada wrote this. Bob added this.')
  await a.keyboard.press(`${mod}+z`)
  await expect.poll(() => docText(a)).toBe(' Bob added this.')
  await expect.poll(() => docText(b)).toBe(' Bob added this.')
  await a.keyboard.press(`${mod}+Shift+z`)
  await expect.poll(() => docText(b)).toBe('Ada wrote this. Bob added this.')
})

test('the title syncs live and names the browser tab', async ({ browser, relay, docName }) => {
  const a = await openDoc(await userContext(browser, 'Ada'), relay, docName)
  const b = await openDoc(await userContext(browser, 'Bob'), relay, docName)
  await a.locator('#title').fill('Quarterly report')
  await expect(b.locator('#title')).toHaveValue('Quarterly report')
  await expect(b).toHaveTitle(/Quarterly report/)
  await expect(a).toHaveTitle(/Quarterly report/)
})

test('presence: cursors carry names, and the facepile counts people in and out', async ({ browser, relay, docName }) => {
  const a = await openDoc(await userContext(browser, 'Ada Lovelace', '#e5484d'), relay, docName)
  await expect(a.locator('#facepile')).toHaveAttribute('data-count', '1')
  const bobContext = await userContext(browser, 'Bob Builder', '#46a758')
  const b = await openDoc(bobContext, relay, docName)
  await expect(a.locator('#facepile')).toHaveAttribute('data-count', '2')
  await expect(a.locator('#facepile .face[data-name="Bob Builder"]')).toHaveText('BB')
  await b.locator('.ProseMirror').click()
  await b.keyboard.type('hi')
  await expect(a.locator('.ProseMirror-yjs-cursor', { hasText: 'Bob Builder' })).toBeVisible()
  await bobContext.close()
  await expect(a.locator('#facepile')).toHaveAttribute('data-count', '1')
  await expect(a.locator('.ProseMirror-yjs-cursor')).toHaveCount(0)
})

test('the facepile shows +N past five people', async ({ browser, relay, docName }) => {
  const watcher = await openDoc(await userContext(browser, 'Ann'), relay, docName)
  // Six more tabs of one other browser: six more people as far as presence goes.
  const crowd = await browser.newContext()
  for (const name of ['Ben', 'Cat', 'Dan', 'Eve', 'Fay', 'Gus']) {
    const page = await openDoc(crowd, relay, docName)
    await page.evaluate((n) => (window as any).tandem.provider.awareness.setLocalStateField('user', { name: n, color: '#46a758' }), name)
  }
  await expect(watcher.locator('#facepile')).toHaveAttribute('data-count', '7')
  await expect(watcher.locator('#facepile .face.more')).toHaveText('+2')
  await crowd.close()
  await expect(watcher.locator('#facepile')).toHaveAttribute('data-count', '1')
})

test('status goes offline when the relay goes away, and back to saved after it returns', async ({ browser, relay, docName }) => {
  const a = await openDoc(await userContext(browser, 'Ada'), relay, docName)
  await a.locator('.ProseMirror').click()
  await a.keyboard.type('before')
  await expectSaved(a)
  await relay.stop()
  await expect(a.locator('#status')).toHaveAttribute('data-status', 'disconnected')
  await a.keyboard.type(' during')
  await expect(a.locator('#save-status')).toHaveAttribute('data-save', 'unsaved')
  await expect(a.locator('#save-status')).not.toHaveText(/All changes saved/)
  await relay.start()
  await expect(a.locator('#status')).toHaveAttribute('data-status', 'connected')
  await expectSaved(a)
  const b = await openDoc(await userContext(browser, 'Bob'), relay, docName)
  expect(await docText(b)).toBe('before during')
})

test('"saved" waits for the relay\'s acknowledgement, not a timer', async ({ browser, relay, docName }) => {
  const context = await userContext(browser, 'Ada')
  let dropAcks = true
  await context.routeWebSocket(/\/ws\//, (ws) => {
    const server = ws.connectToServer()
    server.onMessage((message) => {
      if (dropAcks && typeof message !== 'string' && message[0] === 101) return
      ws.send(message)
    })
  })
  const a = await openDoc(context, relay, docName)
  await a.locator('.ProseMirror').click()
  await a.keyboard.type('unacknowledged')
  await expect(a.locator('#save-status')).toHaveAttribute('data-save', 'saving')
  // The edit reached the relay (another peer sees it), yet without an ack it is not "saved".
  const b = await openDoc(await userContext(browser, 'Bob'), relay, docName)
  await expect.poll(() => docText(b)).toBe('unacknowledged')
  await expect(a.locator('#save-status')).toHaveAttribute('data-save', 'saving')
  // Closing the tab now asks first.
  const asked = a.waitForEvent('dialog')
  await a.close({ runBeforeUnload: true })
  const dialog = await asked
  expect(dialog.type()).toBe('beforeunload')
  await dialog.dismiss()
  expect(a.isClosed()).toBe(false)
  dropAcks = false
  await a.keyboard.type('!')
  await expectSaved(a)
})

test('edits made offline survive a reload and merge with what others wrote meanwhile', async ({ browser, relay, docName }) => {
  const adaContext = await userContext(browser, 'Ada')
  let online = true
  await adaContext.routeWebSocket(/\/ws\//, (ws) => {
    if (online) ws.connectToServer()
    else ws.close({ code: 4000, reason: 'test: offline' })
  })
  // Offline means the HTTP fallback does not get through either.
  await adaContext.route(/\/http\//, (route) => (online ? route.continue() : route.abort('internetdisconnected')))
  const a = await openDoc(adaContext, relay, docName)
  const b = await openDoc(await userContext(browser, 'Bob'), relay, docName)
  await a.locator('.ProseMirror').click()
  await a.keyboard.type('Shared start.')
  await expect.poll(() => docText(b)).toBe('Shared start.')
  await expectSaved(a)

  // Ada loses her connection for real: her socket is closed and every new one (or HTTP session) refused.
  online = false
  await a.evaluate(() => (window as any).tandem.provider.ws?.close())
  await expect(a.locator('#status')).toHaveAttribute('data-status', 'disconnected')
  await a.keyboard.press('End')
  await a.keyboard.type(' Ada offline.')
  await expect(a.locator('#save-status')).toHaveAttribute('data-save', 'unsaved')
  await b.locator('.ProseMirror').click()
  await b.keyboard.press('Home')
  await b.keyboard.type('Bob meanwhile. ')

  // The offline edit is in this browser's IndexedDB before the reload.
  await expect
    .poll(async () => {
      const doc = new Y.Doc()
      for (const update of await storedOffline(a, docName)) Y.applyUpdate(doc, new Uint8Array(update))
      return doc.getXmlFragment('prosemirror').toString()
    })
    .toContain('Ada offline.')
  await a.reload()
  await expect.poll(() => docText(a)).toBe('Shared start. Ada offline.')

  online = true
  await expect(a.locator('#status')).toHaveAttribute('data-status', 'connected')
  const merged = 'Bob meanwhile. Shared start. Ada offline.'
  await expect.poll(() => docText(a)).toBe(merged)
  await expect.poll(() => docText(b)).toBe(merged)
  await expectSaved(a)
})

test('the document list shows a new document with its title', async ({ browser, relay, docName }) => {
  const context = await userContext(browser, 'Ada')
  const a = await openDoc(context, relay, docName)
  await a.locator('#title').fill('Team offsite notes')
  await a.locator('.ProseMirror').click()
  await a.keyboard.type('Agenda')
  await expectSaved(a)
  const list = await context.newPage()
  await list.goto(relay.url + '/')
  const row = list.locator(`tr[data-doc="${docName}"]`)
  await expect(row).toContainText('Team offsite notes')
  await expect(list.locator('tbody tr').first()).toHaveAttribute('data-doc', docName)
  await row.locator('a').click()
  await expect(list).toHaveURL(new RegExp(`/d/${docName}$`))
  await expect.poll(() => docText(list)).toBe('Agenda')
  // "New document" opens an empty document of its own.
  await list.goto(relay.url + '/')
  await list.locator('#new-doc').click()
  await expect(list).toHaveURL(/\/d\/[a-z0-9]{16}$/)
  await expect(list.locator('#status')).toHaveAttribute('data-status', 'connected')
  expect(await docText(list)).toBe('')
})

test('Korean composition survives a remote edit arriving mid-word', async ({ browser, relay, docName }) => {
  const a = await openDoc(await userContext(browser, 'Ada'), relay, docName)
  const b = await openDoc(await userContext(browser, 'Bob'), relay, docName)
  await a.locator('.ProseMirror').click()
  await a.keyboard.type('A: ')
  await expect.poll(() => docText(b)).toBe('A: ')
  const ime = await a.context().newCDPSession(a)
  for (const step of ['ㅎ', '하', '한', '한ㄱ', '한그']) {
    await ime.send('Input.imeSetComposition', { text: step, selectionStart: step.length, selectionEnd: step.length })
  }
  // Bob types at the start of the document while Ada is mid-word.
  await b.locator('.ProseMirror').click()
  await b.keyboard.press('Home')
  await b.keyboard.type('B! ')
  await expect.poll(() => docText(a)).toContain('B! ')
  await ime.send('Input.imeSetComposition', { text: '한글', selectionStart: 2, selectionEnd: 2 })
  await ime.send('Input.insertText', { text: '한글' })
  await a.keyboard.type(' 좋아요')
  const expected = 'B! A: 한글 좋아요'
  await expect.poll(() => docText(a)).toBe(expected)
  await expect.poll(() => docText(b)).toBe(expected)
})

test('a document opened before opens again with the relay unreachable', async ({ browser, relay, docName }) => {
  const context = await userContext(browser, 'Ada')
  const a = await openDoc(context, relay, docName)
  await a.locator('.ProseMirror').click()
  await a.keyboard.type('Readable on the train.')
  await expectSaved(a)
  // The service worker has taken control once the page reloads under it.
  await a.reload()
  await expect.poll(() => a.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true)
  await relay.stop()
  await a.reload()
  await expect.poll(() => docText(a)).toBe('Readable on the train.')
  await expect(a.locator('#status')).toHaveAttribute('data-status', /connecting|disconnected/)
  await a.keyboard.press('End')
  await a.keyboard.type(' Still typing.')
  await expect(a.locator('#save-status')).toHaveAttribute('data-save', 'unsaved')
  await relay.start()
  await expectSaved(a)
})

test('a first visit asks for a name once, and others see it', async ({ browser, relay, docName }) => {
  const fresh = await browser.newContext()
  const page = await fresh.newPage()
  await page.goto(`${relay.url}/d/${docName}`)
  const dialog = page.locator('dialog.prompt')
  await expect(dialog).toBeVisible()
  await expect(dialog.locator('input')).toHaveValue(/^Anonymous /)
  await dialog.locator('input').fill('Hye-jin')
  await dialog.locator('button[type=submit]').click()
  await expect(dialog).toHaveCount(0)
  const other = await openDoc(await userContext(browser, 'Bob'), relay, docName)
  await expect(other.locator('#facepile .face[data-name="Hye-jin"]')).toBeVisible()
  await page.reload()
  await expect(page.locator('#status')).toHaveAttribute('data-status', 'connected')
  await expect(page.locator('dialog.prompt')).toHaveCount(0)
  await expect(other.locator('#facepile .face[data-name="Hye-jin"]')).toBeVisible()
})
