import { test, expect, userContext, openDoc, docText, docJSON } from './fixtures.js'
import type { Page } from '@playwright/test'

/** Records, on window, whether the last key press reaching the window had its default (the browser's own find) prevented. */
async function watchDefaultPrevented(page: Page): Promise<void> {
  await page.evaluate(() => window.addEventListener('keydown', (e) => ((window as any).lastKeyPrevented = e.defaultPrevented)))
}
const lastKeyPrevented = (page: Page) => page.evaluate(() => (window as any).lastKeyPrevented as boolean)
const selectedText = (page: Page) =>
  page.evaluate(() => {
    const { state } = (window as any).tandem.view
    return state.doc.textBetween(state.selection.from, state.selection.to) as string
  })

test('find counts matches live, also while another person types, and replace all reaches the other peer', async ({ browser, relay, docName }) => {
  const ada = await userContext(browser, 'Ada', '#e5484d')
  const bob = await userContext(browser, 'Bob', '#46a758')
  const pageA = await openDoc(ada, relay, docName)
  const pageB = await openDoc(bob, relay, docName)

  await pageA.locator('.ProseMirror').click()
  await pageA.keyboard.type('The cat sat on the mat with the hat.')
  await expect.poll(() => docText(pageB)).toBe('The cat sat on the mat with the hat.')

  const bar = pageA.locator('#findbar')
  await expect(bar).toBeHidden()
  await watchDefaultPrevented(pageA)
  await pageA.keyboard.press('ControlOrMeta+f')
  expect(await lastKeyPrevented(pageA)).toBe(true)
  await expect(bar).toBeVisible()
  await expect(bar.locator('.find-input')).toBeFocused()
  await expect(bar.locator('.findbar-replace')).toBeHidden()

  await pageA.keyboard.type('the')
  // Case-insensitive: "The", "the", "the"; the cursor is at the end, so the current match wraps to the first.
  await expect(bar.locator('.find-count')).toHaveText('1 of 3')
  await expect(pageA.locator('.ProseMirror .find-match')).toHaveCount(3)
  await expect(pageA.locator('.ProseMirror .find-match-current')).toHaveText('The')

  // Enter selects the current match, then moves on; Shift+Enter goes back, wrapping around.
  await pageA.keyboard.press('Enter')
  await expect(bar.locator('.find-count')).toHaveText('1 of 3')
  expect(await selectedText(pageA)).toBe('The')
  await pageA.keyboard.press('Enter')
  await expect(bar.locator('.find-count')).toHaveText('2 of 3')
  await pageA.keyboard.press('Shift+Enter')
  await pageA.keyboard.press('Shift+Enter')
  await expect(bar.locator('.find-count')).toHaveText('3 of 3')
  await expect(bar.locator('.find-input')).toBeFocused()

  // Bob adds an occurrence while Ada's find bar is open: her count goes up.
  await pageB.locator('.ProseMirror').click()
  await pageB.keyboard.press('ControlOrMeta+End')
  await pageB.keyboard.type(' And the end.')
  await expect(bar.locator('.find-count')).toHaveText('3 of 4')
  await expect(pageA.locator('.ProseMirror .find-match')).toHaveCount(4)

  // Mod+H shows the replace row; Replace all changes every match, and Bob gets the result.
  await pageA.keyboard.press('ControlOrMeta+h')
  await expect(bar.locator('.findbar-replace')).toBeVisible()
  await bar.locator('.replace-input').fill('a')
  await bar.locator('.find-replace-all').click()
  const replaced = 'a cat sat on a mat with a hat. And a end.'
  await expect.poll(() => docText(pageA)).toBe(replaced)
  await expect(bar.locator('.find-count')).toHaveText('No matches')
  await expect.poll(() => docText(pageB)).toBe(replaced)
  expect(await docJSON(pageB)).toEqual(await docJSON(pageA))
  expect(await docJSON(pageB)).toEqual({ type: 'doc', content: [{ type: 'paragraph', content: [{ type: 'text', text: replaced }] }] })

  // Escape closes the bar, removes the highlights and gives the editor back its focus.
  await bar.locator('.find-input').press('Escape')
  await expect(bar).toBeHidden()
  await expect(pageA.locator('.ProseMirror .find-match')).toHaveCount(0)
  await expect(pageA.locator('.ProseMirror')).toBeFocused()
  await ada.close()
  await bob.close()
})

test('replace changes one match at a time and keeps the bold of a bold match', async ({ browser, relay, docName }) => {
  const context = await userContext(browser, 'Ada')
  const page = await openDoc(context, relay, docName)
  await page.locator('.ProseMirror').click()
  await page.keyboard.type('one ')
  await page.keyboard.press('ControlOrMeta+b')
  await page.keyboard.type('cat')
  await page.keyboard.press('ControlOrMeta+b')
  await page.keyboard.type(' two cat')
  await page.keyboard.press('Home')

  await page.keyboard.press('ControlOrMeta+h')
  const bar = page.locator('#findbar')
  await expect(bar.locator('.find-input')).toBeFocused()
  await page.keyboard.type('cat')
  await expect(bar.locator('.find-count')).toHaveText('1 of 2')
  await bar.locator('.replace-input').fill('dog')
  await bar.locator('.find-replace').click()
  await expect(bar.locator('.find-count')).toHaveText('1 of 1')
  expect(await docJSON(page)).toEqual({
    type: 'doc',
    content: [
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: 'one ' },
          { type: 'text', text: 'dog', marks: [{ type: 'bold' }] },
          { type: 'text', text: ' two cat' },
        ],
      },
    ],
  })
  await context.close()
})

test('the status bar counts words and characters while typing, and the selection out of the whole', async ({ browser, relay, docName }) => {
  const context = await userContext(browser, 'Ada')
  const page = await openDoc(context, relay, docName)
  const counts = page.locator('#counts')
  await expect(counts).toHaveText('0 words · 0 characters')
  await page.locator('.ProseMirror').click()
  await page.keyboard.type('Hello')
  await expect(counts).toHaveText('1 word · 5 characters')
  await page.keyboard.type(' brave new world')
  await page.keyboard.press('Enter')
  await page.keyboard.type('안녕하세요 세계')
  await expect(counts).toHaveText('6 words · 29 characters')

  // Select "세계" and then some more.
  await page.keyboard.press('Shift+ArrowLeft')
  await page.keyboard.press('Shift+ArrowLeft')
  await expect(counts).toHaveText('1 of 6 words · 2 of 29 characters')
  await page.keyboard.press('ArrowRight')
  await expect(counts).toHaveText('6 words · 29 characters')
  await context.close()
})
