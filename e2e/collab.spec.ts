import { test, expect, userContext, openDoc, docText, docJSON } from './fixtures.js'

test('two people in separate browsers converge on concurrent typing and see each other\'s cursor', async ({ browser, relay, docName }) => {
  const ada = await userContext(browser, 'Ada', '#e5484d')
  const bob = await userContext(browser, 'Bob', '#46a758')
  const pageA = await openDoc(ada, relay, docName)
  const pageB = await openDoc(bob, relay, docName)

  await pageA.locator('.ProseMirror').click()
  await pageA.keyboard.type('Hello from Ada.')
  await expect.poll(() => docText(pageB)).toBe('Hello from Ada.')

  // Both type at once at opposite ends of the paragraph.
  await pageA.keyboard.press('Home')
  await pageB.locator('.ProseMirror').click()
  await pageB.keyboard.press('End')
  await Promise.all([pageA.keyboard.type('Ada first. '), pageB.keyboard.type(' Bob last.')])
  const expected = 'Ada first. Hello from Ada. Bob last.'
  await expect.poll(() => docText(pageA)).toBe(expected)
  await expect.poll(() => docText(pageB)).toBe(expected)
  expect(await docJSON(pageB)).toEqual(await docJSON(pageA))

  await expect(pageB.locator('.ProseMirror-yjs-cursor', { hasText: 'Ada' })).toBeVisible()
  await expect(pageA.locator('.ProseMirror-yjs-cursor', { hasText: 'Bob' })).toBeVisible()
  await ada.close()
  await bob.close()
})

test('text survives a restart of the relay', async ({ browser, relay, docName }) => {
  const context = await userContext(browser, 'Ada')
  const page = await openDoc(context, relay, docName)
  await page.locator('.ProseMirror').click()
  await page.keyboard.type('Written before the restart.')
  const other = await userContext(browser, 'Bob')
  const witness = await openDoc(other, relay, docName)
  await expect.poll(() => docText(witness)).toBe('Written before the restart.')
  await other.close()
  await context.close()

  await relay.restart({ kill: true })
  const fresh = await userContext(browser, 'Cleo')
  const reopened = await openDoc(fresh, relay, docName)
  expect(await docText(reopened)).toBe('Written before the restart.')
  await fresh.close()
})

test('two tabs of one browser stay in sync, and a tab opened later loads the full text', async ({ browser, relay, docName }) => {
  const context = await userContext(browser, 'Ada')
  const first = await openDoc(context, relay, docName)
  const second = await openDoc(context, relay, docName)
  await first.locator('.ProseMirror').click()
  await first.keyboard.type('Typed in the first tab.')
  await expect.poll(() => docText(second)).toBe('Typed in the first tab.')
  await second.locator('.ProseMirror').click()
  await second.keyboard.press('End')
  await second.keyboard.type(' And the second.')
  await expect.poll(() => docText(first)).toBe('Typed in the first tab. And the second.')

  const third = await openDoc(context, relay, docName)
  expect(await docText(third)).toBe('Typed in the first tab. And the second.')
  await context.close()
})
